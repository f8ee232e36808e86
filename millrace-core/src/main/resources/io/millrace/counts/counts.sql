-- Queue counts. {schema} is the validated, quoted schema; every value is bound.
-- States: available (due now), scheduled and retryable (waiting for their time), running, pending
-- (workflow members waiting for parents), and the finished states completed, failed, cancelled and
-- skipped (counted since install, including history that retention has since dropped).

-- name: counts_from_counters
-- Unfinished jobs from the hot table (its size is the backlog), finished ones from the counters in
-- O(counter rows) through the primary key. Exact while the trust marker is set (Counts reads the
-- marker in the same snapshot); without it, an estimate that may be above or below the truth.
-- Binds: 1/2 queue filter text[] (null = all queues), 3/4 the same.
SELECT queue,
       CASE WHEN state IN ('scheduled', 'retryable') AND run_at <= now() THEN 'available' ELSE state END AS state,
       count(*) AS n
  FROM {schema}.jobs
 WHERE (?::text[] IS NULL OR queue = ANY(?::text[]))
 GROUP BY 1, 2
UNION ALL
SELECT queue, state, sum(n)::bigint
  FROM {schema}.job_counts
 WHERE (?::text[] IS NULL OR queue = ANY(?::text[]))
 GROUP BY 1, 2;

-- name: counts_from_scan
-- The fallback while the counters are not trusted: finished jobs counted in history plus the
-- rollup of dropped history. O(history), correct whatever the counters say.
-- Binds: 1/2, 3/4 and 5/6 the queue filter text[] (null = all queues).
SELECT queue,
       CASE WHEN state IN ('scheduled', 'retryable') AND run_at <= now() THEN 'available' ELSE state END AS state,
       count(*) AS n
  FROM {schema}.jobs
 WHERE (?::text[] IS NULL OR queue = ANY(?::text[]))
 GROUP BY 1, 2
UNION ALL
SELECT queue, state, sum(n)::bigint
  FROM (SELECT queue, state, count(*) AS n FROM {schema}.job_history
         WHERE (?::text[] IS NULL OR queue = ANY(?::text[]))
         GROUP BY 1, 2
        UNION ALL
        SELECT queue, state, n FROM {schema}.job_count_rollup
         WHERE (?::text[] IS NULL OR queue = ANY(?::text[]))) s
 GROUP BY 1, 2;

-- name: compare
-- Counters against the truth (history plus rollup), per queue and state; only the rows that differ.
WITH counted AS (
    SELECT queue, state, sum(n)::bigint AS n FROM {schema}.job_counts GROUP BY 1, 2
),
actual AS (
    SELECT queue, state, sum(n)::bigint AS n
      FROM (SELECT queue, state, count(*) AS n FROM {schema}.job_history GROUP BY 1, 2
            UNION ALL
            SELECT queue, state, n FROM {schema}.job_count_rollup) s
     GROUP BY 1, 2
)
SELECT coalesce(c.queue, a.queue), coalesce(c.state, a.state), coalesce(c.n, 0), coalesce(a.n, 0)
  FROM counted c FULL JOIN actual a ON a.queue = c.queue AND a.state = c.state
 WHERE coalesce(c.n, 0) <> coalesce(a.n, 0)
 ORDER BY 1, 2;

-- name: clear_marker
-- Binds: 1 why the marker is cleared.
UPDATE {schema}.control
   SET counters_trusted = false, counters_marked_at = now(), counters_untrusted_because = ?;

-- name: restore_control
-- A deleted control row comes back untrusted: nothing vouches for counters nobody was watching.
-- Idempotent, so concurrent readers that all found it missing recreate it once.
INSERT INTO {schema}.control (singleton, counters_trusted, counters_marked_at, counters_untrusted_because)
VALUES (true, false, now(), 'the control row was missing and has been recreated')
ON CONFLICT (singleton) DO NOTHING;

-- name: lock_control
-- Taken first by a rebuild: a hand change of history that commits before it is in the rebuild's
-- snapshot; one that comes after waits for it (its trigger updates this row) and clears the
-- marker the rebuild set. A hand TRUNCATE holds its table before its trigger waits here, so it can
-- deadlock with a rebuild that then reads that table: PostgreSQL aborts one of the two, and
-- neither leaves a marker set over counts it did not rebuild.
SELECT 1 FROM {schema}.control FOR UPDATE;

-- name: lock_counters
-- EXCLUSIVE blocks writers of the counters and the rollup (finishing jobs, retention) until this
-- transaction commits, but not readers. A finishing statement that is already past its counter
-- update holds a row lock we wait for; one that is not yet there waits for us and then adds its
-- increment to the rebuilt value. Either way each finished job is counted once.
LOCK TABLE {schema}.job_counts, {schema}.job_count_rollup IN EXCLUSIVE MODE;

-- name: clear_counters
DELETE FROM {schema}.job_counts;

-- name: rebuild_counters
-- The truth, written as shard 0.
INSERT INTO {schema}.job_counts (queue, state, shard, n)
SELECT queue, state, 0, sum(n)
  FROM (SELECT queue, state, count(*) AS n FROM {schema}.job_history GROUP BY 1, 2
        UNION ALL
        SELECT queue, state, n FROM {schema}.job_count_rollup) s
 GROUP BY 1, 2;

-- name: set_marker
-- Returns the marker as written: no row means there was no control row to set it on.
UPDATE {schema}.control
   SET counters_trusted = true, counters_marked_at = now(), counters_untrusted_because = NULL
RETURNING counters_trusted;

-- name: read_marker
SELECT counters_trusted, counters_marked_at, counters_untrusted_because FROM {schema}.control;
