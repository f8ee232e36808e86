-- Queue counts. {schema} is the validated, quoted schema; every value is bound.
-- States: available (due now), scheduled and retryable (waiting for their time), running, and the
-- finished states completed, failed and cancelled (counted since install, including history that
-- retention has since dropped).

-- name: exact_counts
-- One statement, so one snapshot: every number is as of the same instant.
-- Finished counts come from the counters while the trust marker is set, read in O(counter rows)
-- through the primary key; otherwise from a scan of history plus the rollup. The marker is read in
-- an InitPlan, so PostgreSQL runs only the branch it selects (a one-time filter skips the other).
-- Binds: 1/2 queue filter text[] (null = all queues).
WITH trust AS (SELECT counters_trusted AS trusted FROM {schema}.control),
hot AS (
    SELECT queue,
           CASE WHEN state IN ('scheduled', 'retryable') AND run_at <= now() THEN 'available' ELSE state END AS state,
           count(*) AS n
      FROM {schema}.jobs
     WHERE (?::text[] IS NULL OR queue = ANY(?::text[]))
     GROUP BY 1, 2
),
finished_counted AS (
    SELECT queue, state, sum(n)::bigint AS n
      FROM {schema}.job_counts
     WHERE (SELECT trusted FROM trust)
       AND (?::text[] IS NULL OR queue = ANY(?::text[]))
     GROUP BY 1, 2
),
finished_scanned AS (
    SELECT queue, state, sum(n)::bigint AS n
      FROM (SELECT queue, state, count(*) AS n FROM {schema}.job_history
             WHERE NOT (SELECT trusted FROM trust)
               AND (?::text[] IS NULL OR queue = ANY(?::text[]))
             GROUP BY 1, 2
            UNION ALL
            SELECT queue, state, n FROM {schema}.job_count_rollup
             WHERE NOT (SELECT trusted FROM trust)
               AND (?::text[] IS NULL OR queue = ANY(?::text[]))) s
     GROUP BY 1, 2
)
SELECT queue, state, n, (SELECT trusted FROM trust) AS trusted FROM hot
UNION ALL SELECT queue, state, n, (SELECT trusted FROM trust) FROM finished_counted
UNION ALL SELECT queue, state, n, (SELECT trusted FROM trust) FROM finished_scanned;

-- name: fast_counts
-- The cheapest read: counters only, never a history scan, whatever the marker says. Exact while
-- the marker is set; without it, a lower bound that misses what counter-less writers finished.
-- Binds: 1/2 queue filter, 3/4 queue filter.
SELECT queue,
       CASE WHEN state IN ('scheduled', 'retryable') AND run_at <= now() THEN 'available' ELSE state END AS state,
       count(*) AS n, (SELECT counters_trusted FROM {schema}.control) AS trusted
  FROM {schema}.jobs
 WHERE (?::text[] IS NULL OR queue = ANY(?::text[]))
 GROUP BY 1, 2
UNION ALL
SELECT queue, state, sum(n)::bigint, (SELECT counters_trusted FROM {schema}.control)
  FROM {schema}.job_counts
 WHERE (?::text[] IS NULL OR queue = ANY(?::text[]))
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
UPDATE {schema}.control SET counters_trusted = false, counters_marked_at = now();

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
UPDATE {schema}.control SET counters_trusted = true, counters_marked_at = now();

-- name: read_marker
SELECT counters_trusted, counters_marked_at FROM {schema}.control;
