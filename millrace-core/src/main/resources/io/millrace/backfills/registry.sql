-- Backfills' registry, lease and control rows in Millrace's own PostgreSQL schema (V4__backfills.sql).

-- name: register
-- Binds: name, independent, blocking, target, table_name, key_column. The first registration fixes
-- the position (registration order); later ones only refresh the description.
INSERT INTO {schema}.backfills (name, independent, blocking, target, table_name, key_column)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (name) DO UPDATE
   SET independent = EXCLUDED.independent, blocking = EXCLUDED.blocking, target = EXCLUDED.target,
       table_name = EXCLUDED.table_name, key_column = EXCLUDED.key_column

-- name: acquire
-- Binds: lease owner, lease in milliseconds, name. Takes a pending backfill, or a running one whose
-- lease expired (its node died), and bumps the fence. Two nodes racing both lock the row; the second
-- re-evaluates the WHERE after the first commits and finds a live lease, so it gets nothing.
-- A backfill that is not independent waits for every earlier non-independent one.
UPDATE {schema}.backfills b
   SET state = 'running', lease_owner = ?, lease_expires_at = now() + ? * interval '1 millisecond',
       fence = b.fence + 1, started_at = coalesce(b.started_at, now()), updated_at = now()
 WHERE b.name = ?
   AND (b.state = 'pending' OR (b.state = 'running' AND b.lease_expires_at < now()))
   AND (b.independent OR NOT EXISTS (
         SELECT 1 FROM {schema}.backfills p
          WHERE p.position < b.position AND NOT p.independent AND p.state NOT IN ('succeeded', 'cancelled')))
RETURNING b.fence

-- name: heartbeat
-- Binds: lease ms, cursor, upper bound, rows processed, rows affected, rows total, batches, batch size,
-- rows per second, eta seconds, throttled by, attempts, name, fence. Extends the lease and mirrors
-- progress. No row: the lease is gone (paused, cancelled, or taken by a node with a newer fence).
UPDATE {schema}.backfills
   SET lease_expires_at = now() + ? * interval '1 millisecond',
       cursor_value = ?, upper_bound = ?, rows_processed = ?, rows_affected = ?, rows_total = ?,
       batches = ?, batch_size = ?, rows_per_second = ?, eta_seconds = ?, throttled_by = ?, attempts = ?,
       progress_at = now(), updated_at = now()
 WHERE name = ? AND fence = ? AND state = 'running'

-- name: waiting
-- Binds: lease ms, throttled by, name, fence. Extends the lease while the run waits before it has
-- any progress to mirror (its target is locked while it claims it); the mirrored progress stays.
UPDATE {schema}.backfills
   SET lease_expires_at = now() + ? * interval '1 millisecond', throttled_by = ?, updated_at = now()
 WHERE name = ? AND fence = ? AND state = 'running'

-- name: record_error
-- Binds: attempts, last error, name, fence. A retried failure stays visible while the run goes on.
UPDATE {schema}.backfills SET attempts = ?, last_error = ?, updated_at = now()
 WHERE name = ? AND fence = ? AND state = 'running'

-- name: succeed
-- Binds: name, fence. Guarded by the fence and 'running' like every end of a run: an operator's
-- pause or cancel that arrived meanwhile wins (the target's finished flag makes the next run end
-- at once).
UPDATE {schema}.backfills
   SET state = 'succeeded', eta_seconds = 0, finished_at = now(), lease_owner = NULL,
       lease_expires_at = NULL, throttled_by = NULL, updated_at = now()
 WHERE name = ? AND fence = ? AND state = 'running'

-- name: fail
-- Binds: last error, name, fence. The cursor stays where the last committed batch left it.
UPDATE {schema}.backfills
   SET state = 'failed', last_error = ?, eta_seconds = NULL, finished_at = now(), lease_owner = NULL,
       lease_expires_at = NULL, throttled_by = NULL, updated_at = now()
 WHERE name = ? AND fence = ? AND state = 'running'

-- name: release
-- Binds: name, fence. Graceful shutdown: back to pending so another node takes over at once
-- instead of after the lease runs out.
UPDATE {schema}.backfills
   SET state = 'pending', lease_owner = NULL, lease_expires_at = NULL, throttled_by = NULL,
       updated_at = now()
 WHERE name = ? AND fence = ? AND state = 'running'

-- name: pause
-- Binds: name. Clearing the lease owner is enough: the running node's next heartbeat finds no
-- 'running' row and stops after the batch in flight.
UPDATE {schema}.backfills
   SET state = 'paused', lease_owner = NULL, lease_expires_at = NULL, throttled_by = NULL, updated_at = now()
 WHERE name = ? AND state IN ('pending', 'running')

-- name: resume
UPDATE {schema}.backfills SET state = 'pending', updated_at = now()
 WHERE name = ? AND state = 'paused'

-- name: cancel
UPDATE {schema}.backfills
   SET state = 'cancelled', lease_owner = NULL, lease_expires_at = NULL, throttled_by = NULL,
       finished_at = now(), updated_at = now()
 WHERE name = ? AND state IN ('pending', 'running', 'paused', 'failed')

-- name: retry
-- Resumes from the cursor kept in the target: nothing is undone, nothing is redone.
UPDATE {schema}.backfills
   SET state = 'pending', attempts = 0, finished_at = NULL, updated_at = now()
 WHERE name = ? AND state IN ('failed', 'cancelled')

-- name: list
SELECT name, state, position, independent, blocking, target, table_name, key_column, lease_owner,
       lease_expires_at, fence, cursor_value, upper_bound, rows_processed, rows_affected, rows_total,
       batches, batch_size, rows_per_second, eta_seconds, throttled_by, progress_at, attempts,
       last_error, created_at, started_at, finished_at, updated_at
  FROM {schema}.backfills
 ORDER BY position

-- name: get
SELECT name, state, position, independent, blocking, target, table_name, key_column, lease_owner,
       lease_expires_at, fence, cursor_value, upper_bound, rows_processed, rows_affected, rows_total,
       batches, batch_size, rows_per_second, eta_seconds, throttled_by, progress_at, attempts,
       last_error, created_at, started_at, finished_at, updated_at
  FROM {schema}.backfills
 WHERE name = ?
