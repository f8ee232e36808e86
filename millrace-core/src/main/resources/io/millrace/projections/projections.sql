-- Statements of projection checkpoints, leases and status (ProjectionStore).

-- name: register
-- A projection's row, created the first time any node knows it. Binds: name, fingerprint.
INSERT INTO {schema}.projections (name, fingerprint) VALUES (?, ?)
ON CONFLICT (name) DO NOTHING;

-- name: acquire
-- Takes the lease when nobody holds it or the holder let it expire. The token grows at every
-- acquisition: it fences every write of the previous holder. Binds: owner, lease ms, name.
UPDATE {schema}.projections
   SET lease_owner = ?, lease_token = lease_token + 1,
       lease_until = now() + ? * interval '1 millisecond'
 WHERE name = ? AND (lease_owner IS NULL OR lease_until < now())
RETURNING lease_token, fingerprint, status, checkpoint_xid::text, checkpoint_position, events_applied,
          rebuild_requested, error;

-- name: renew
-- Extends a held lease and reads the operator's requests (retry, rebuild). Binds: lease ms, name,
-- token. No row back: the lease is lost.
UPDATE {schema}.projections
   SET lease_until = now() + ? * interval '1 millisecond'
 WHERE name = ? AND lease_token = ?
RETURNING lease_token, fingerprint, status, checkpoint_xid::text, checkpoint_position, events_applied,
          rebuild_requested, error;

-- name: release
-- Graceful hand-over. Binds: name, token.
UPDATE {schema}.projections SET lease_owner = NULL, lease_until = NULL WHERE name = ? AND lease_token = ?;

-- name: advance
-- The checkpoint write of a page, in the page's own transaction: a compare-and-swap on the lease
-- token and the previous checkpoint. It runs before the handler, so it also takes the row lock that
-- makes a racing runner wait and then fail its compare. Binds: new xid (text), new position, events
-- in the page, lease ms, name, token, previous xid (text), previous position.
UPDATE {schema}.projections
   SET checkpoint_xid = ?::xid8, checkpoint_position = ?, events_applied = events_applied + ?,
       lease_until = now() + ? * interval '1 millisecond', updated_at = now()
 WHERE name = ? AND lease_token = ? AND checkpoint_xid = ?::xid8 AND checkpoint_position = ?
   AND status <> 'failed' AND NOT rebuild_requested;

-- name: reset
-- Starts over from the first event (new fingerprint, or a rebuild). Same transaction as the reset of
-- the projection's own state. Binds: fingerprint, name, token.
UPDATE {schema}.projections
   SET fingerprint = ?, checkpoint_xid = '0', checkpoint_position = 0, events_applied = 0,
       status = 'catching_up', error = NULL, failed_at = NULL, rebuild_requested = false,
       catch_up_started_at = now(), ready_at = NULL, updated_at = now()
 WHERE name = ? AND lease_token = ?;

-- name: delete_documents
-- Binds: projection.
DELETE FROM {schema}.projection_documents WHERE projection = ?;

-- name: mark_ready
-- Caught up at this checkpoint. A projection that was already ready (a warm restart) keeps its
-- ready_at. Binds: name, token, checkpoint xid (text), checkpoint position: only if nothing moved.
UPDATE {schema}.projections
   SET status = 'ready', ready_at = CASE WHEN status = 'ready' THEN ready_at ELSE now() END, updated_at = now()
 WHERE name = ? AND lease_token = ? AND checkpoint_xid = ?::xid8 AND checkpoint_position = ?
   AND status <> 'failed' AND NOT rebuild_requested;

-- name: mark_failed
-- Binds: error, name, token.
UPDATE {schema}.projections SET status = 'failed', error = ?, failed_at = now(), updated_at = now()
 WHERE name = ? AND lease_token = ? AND status <> 'failed';

-- name: request_retry
-- Operator: a failed projection (or its failed side-by-side build, "<name>@<version>") catches up
-- again from its checkpoint. Binds: name, name.
UPDATE {schema}.projections
   SET status = 'catching_up', error = NULL, failed_at = NULL, catch_up_started_at = now(), updated_at = now()
 WHERE (name = ? OR (strpos(name, '@') > 0 AND split_part(name, '@', 1) = ?)) AND status = 'failed'
RETURNING name;

-- name: request_rebuild
-- Operator: start over from the first event. The runner holding the lease does the reset, in one
-- transaction with the projection's own state; until then queries see it as not ready. Binds: name.
UPDATE {schema}.projections
   SET rebuild_requested = true, status = 'catching_up', error = NULL, failed_at = NULL,
       catch_up_started_at = now(), ready_at = NULL, updated_at = now()
 WHERE name = ?
RETURNING name;

-- name: list
SELECT name, fingerprint, status, checkpoint_xid::text, checkpoint_position, events_applied, error, failed_at,
       rebuild_requested, catch_up_started_at, ready_at, lease_owner, lease_until, updated_at
  FROM {schema}.projections
 ORDER BY name;

-- name: get
-- Binds: name.
SELECT name, fingerprint, status, checkpoint_xid::text, checkpoint_position, events_applied, error, failed_at,
       rebuild_requested, catch_up_started_at, ready_at, lease_owner, lease_until, updated_at
  FROM {schema}.projections
 WHERE name = ?;

-- name: status
-- The cheap read behind query guards and readiness: the status, for how many seconds committed
-- events have waited behind the read horizon (null when none wait), and whether that is past the
-- running node's staleness budget. Binds: name.
SELECT status, extract(epoch FROM now() - held_since)::float8, coalesce(stale_at < now(), false)
  FROM {schema}.projections WHERE name = ?;

-- name: hold
-- The runner found committed events it cannot read yet (the horizon holds them back): the start of
-- a hold and when it turns stale, kept if a hold is already recorded. Binds: budget ms, name, token.
UPDATE {schema}.projections SET held_since = now(), stale_at = now() + ? * interval '1 millisecond'
 WHERE name = ? AND lease_token = ? AND held_since IS NULL;

-- name: release_hold
-- The checkpoint passed every event that was found waiting, or a new holder starts afresh.
-- Binds: name, token.
UPDATE {schema}.projections SET held_since = NULL, stale_at = NULL
 WHERE name = ? AND lease_token = ? AND held_since IS NOT NULL;

-- name: shadows
-- Blue/green (SideBySide): a new version builds under the row and document key "<name>@<version>"
-- while "<name>" keeps serving the old version's documents; they swap in one transaction.
-- The side-by-side builds of a projection. Binds: name. The table is small: a row per projection.
SELECT name FROM {schema}.projections WHERE strpos(name, '@') > 0 AND split_part(name, '@', 1) = ?;

-- name: delete_row
-- Binds: name.
DELETE FROM {schema}.projections WHERE name = ?;

-- name: fence
-- The first statement of a side-by-side page: holds the main row's lock for the page with the lease
-- token checked, so a runner that lost the lease, or one racing it, gets no row and writes nothing.
-- Binds: name, token.
SELECT 1 FROM {schema}.projections WHERE name = ? AND lease_token = ? FOR UPDATE;

-- name: advance_shadow
-- The side-by-side build's checkpoint compare-and-swap, after fence. Binds: new xid (text), new
-- position, events, shadow name, previous xid (text), previous position.
UPDATE {schema}.projections
   SET checkpoint_xid = ?::xid8, checkpoint_position = ?, events_applied = events_applied + ?, updated_at = now()
 WHERE name = ? AND checkpoint_xid = ?::xid8 AND checkpoint_position = ? AND status <> 'failed';

-- name: fail_shadow
-- The new version failed; the old one keeps serving. Binds: error, shadow name.
UPDATE {schema}.projections SET status = 'failed', error = ?, failed_at = now(), updated_at = now()
 WHERE name = ?;

-- name: move_documents
-- The swap: the new version's documents take the projection's key. Binds: name, shadow name.
UPDATE {schema}.projection_documents SET projection = ? WHERE projection = ?;

-- name: take_over
-- The swap: the projection takes the new version's fingerprint and checkpoint. After fence, in the
-- same transaction. Binds: name, token, shadow name, shadow xid (text), shadow position.
UPDATE {schema}.projections m
   SET fingerprint = s.fingerprint, checkpoint_xid = s.checkpoint_xid, checkpoint_position = s.checkpoint_position,
       events_applied = s.events_applied, status = 'ready', error = NULL, failed_at = NULL,
       rebuild_requested = false, catch_up_started_at = s.catch_up_started_at, ready_at = now(), updated_at = now()
  FROM {schema}.projections s
 WHERE m.name = ? AND m.lease_token = ? AND s.name = ?
   AND s.checkpoint_xid = ?::xid8 AND s.checkpoint_position = ?;
