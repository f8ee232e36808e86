-- Leader-only maintenance of the job tables: rescue of expired leases and history retention.
-- Every statement is idempotent and batched, so a brief second leader or a re-run is harmless.
-- {schema} is the validated, quoted schema; every value is bound.

-- name: rescue_exhausted
-- Expired leases whose job has no attempt left, or whose cancellation was requested, finish now:
-- the lost attempt counts. Batched, SKIP LOCKED so a concurrent completion is never waited on.
-- Nothing is rescued until the server has been up for the grace: right after a restart every lease
-- has expired, and the nodes renew what they still hold first.
-- Binds: 1 grace ms, 2 batch size.
WITH expired AS (
    SELECT id FROM {schema}.jobs
     WHERE state = 'running' AND lease_expires_at < now()
       AND pg_postmaster_start_time() <= now() - ? * interval '1 millisecond'
       AND (attempt >= max_attempts OR cancel_requested_at IS NOT NULL)
     ORDER BY id
     LIMIT ?
       FOR UPDATE SKIP LOCKED
),
done AS (
    DELETE FROM {schema}.jobs j USING expired e WHERE j.id = e.id RETURNING j.*
),
moved AS (
    INSERT INTO {schema}.job_history (id, queue, kind, args, state, priority, attempt, max_attempts,
                                      unique_key, tags, result, errors, created_at, finished_at,
                                      attempted_at, attempted_by, trace_context)
    SELECT id, queue, kind, args,
           CASE WHEN cancel_requested_at IS NOT NULL THEN 'cancelled' ELSE 'failed' END,
           priority, attempt, max_attempts, unique_key, tags, NULL,
           errors || jsonb_build_array(jsonb_build_object(
               'attempt', attempt, 'at', now(), 'node', attempted_by,
               'message', 'lease expired: node ' || coalesce(attempted_by, '?') || ' stopped heartbeating')),
           created_at, now(),
           attempted_at, attempted_by, trace_context
      FROM done
    RETURNING id, queue, state
),
{finish}
SELECT id FROM moved;

-- name: rescue_retry
-- Expired leases with attempts left go back to the queue, due at once; the lost attempt counts.
-- The server must have been up for the grace, as in rescue_exhausted.
-- Binds: 1 grace ms, 2 batch size.
WITH expired AS (
    SELECT id FROM {schema}.jobs
     WHERE state = 'running' AND lease_expires_at < now()
       AND pg_postmaster_start_time() <= now() - ? * interval '1 millisecond'
     ORDER BY id
     LIMIT ?
       FOR UPDATE SKIP LOCKED
)
UPDATE {schema}.jobs j
   SET state = 'retryable',
       run_at = now(),
       errors = j.errors || jsonb_build_array(jsonb_build_object(
           'attempt', j.attempt, 'at', now(), 'node', j.attempted_by,
           'message', 'lease expired: node ' || coalesce(j.attempted_by, '?') || ' stopped heartbeating')),
       attempted_by = NULL,
       lease_expires_at = NULL
  FROM expired
 WHERE j.id = expired.id
RETURNING j.id;

-- name: history_partitions
-- Day partitions of the history tables (named <parent>_pYYYYMMDD by PartitionManager).
-- Binds: 1 schema name.
SELECT parent.relname AS parent, child.relname AS partition
  FROM pg_inherits i
  JOIN pg_class parent ON parent.oid = i.inhparent
  JOIN pg_class child ON child.oid = i.inhrelid
  JOIN pg_namespace ns ON ns.oid = parent.relnamespace
 WHERE ns.nspname = ?
   AND parent.relname IN ('job_history_completed', 'job_history_failed', 'job_history_cancelled',
                          'job_history_skipped')
 ORDER BY 1, 2;

-- name: prune_default_partition
-- Rows that landed in a default partition (no day partition existed yet) age out row by row, in
-- batches, into the rollup, so counts stay exact. {table} is one of the three fixed
-- default-partition names, never user input. Binds: 1 cutoff, 2 batch size.
WITH pruned AS (
    DELETE FROM {schema}.{table}
     WHERE ctid IN (SELECT ctid FROM {schema}.{table} WHERE finished_at < ? LIMIT ?)
    RETURNING queue, state
),
rolled AS (
    INSERT INTO {schema}.job_count_rollup AS r (queue, state, n)
    SELECT queue, state, count(*) FROM pruned GROUP BY queue, state
    ON CONFLICT (queue, state) DO UPDATE SET n = r.n + excluded.n
)
SELECT count(*) FROM pruned;

-- name: vouch_counted
-- Retention's transactions keep the rollup right themselves; this transaction-local setting tells
-- the history guard (V8__history_guard.sql) that their deletes are not hand deletes.
SELECT set_config('millrace.counted', 'on', true);

-- name: guard_new_partition
-- In the transaction that creates a day partition: adds the history guard's triggers
-- (V8__history_guard.sql) to it, so no moment exists in which it is unguarded.
SELECT {schema}.guard_history(false);

-- name: guard_history
-- The leader's sweep: guards tables of the history tree that lack the triggers (attached by hand);
-- one that already holds rows clears the trust marker, since those rows were never counted.
-- Returns how many tables it guarded.
SELECT {schema}.guard_history(true);

-- name: roll_up_partition
-- Before a day partition is dropped, its rows are added to the rollup in the same transaction.
-- {table} is a partition name built by HistoryRetention from a fixed pattern, never user input.
INSERT INTO {schema}.job_count_rollup AS r (queue, state, n)
SELECT queue, state, count(*) FROM {schema}.{table} GROUP BY queue, state
ON CONFLICT (queue, state) DO UPDATE SET n = r.n + excluded.n;

-- name: hot_table_stats
-- The hot table's dead and live rows as PostgreSQL's statistics count them (a read of shared
-- memory, no scan), and whether this role may vacuum it (it owns the table: the role that
-- migrates). Binds: 1 the schema's name.
SELECT pg_stat_get_dead_tuples(c.oid), pg_stat_get_live_tuples(c.oid),
       pg_has_role(current_user, c.relowner, 'USAGE')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = ? AND c.relname = 'jobs';

-- name: hot_table_vacuum
-- Removes the dead rows of finished and claimed jobs without waiting for autovacuum, whose launcher
-- visits a database once per autovacuum_naptime. SKIP_LOCKED: when autovacuum (or an operator) is
-- already at it, this pass is skipped rather than queued behind it. Needs autocommit: VACUUM cannot
-- run in a transaction block.
VACUUM (SKIP_LOCKED) {schema}.jobs;
