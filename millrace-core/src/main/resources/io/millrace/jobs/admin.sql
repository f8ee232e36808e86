-- Operator statements: look jobs up, cancel, retry, discard, pause queues (listing: search.sql).
-- {schema} is the validated, quoted schema; every value is bound.

-- name: get_job
-- A job is in exactly one of the two tables. Binds: 1 id, 2 id.
SELECT id, queue, kind, args::text, state, priority, attempt, max_attempts, unique_key, tags,
       NULL::text AS result, errors::text, created_at, run_at, attempted_at, attempted_by,
       NULL::timestamptz AS finished_at, cancel_requested_at
  FROM {schema}.jobs WHERE id = ?
UNION ALL
SELECT id, queue, kind, args::text, state, priority, attempt, max_attempts, unique_key, tags,
       result::text, errors::text, created_at, NULL, attempted_at, attempted_by,
       finished_at, NULL
  FROM {schema}.job_history WHERE id = ?;

-- name: cancel_waiting
-- A job that is not running (a workflow member waiting on its parents included) is cancelled at
-- once and moves to history.
-- Binds: 1 id, 2 reason.
WITH done AS (
    DELETE FROM {schema}.jobs
     WHERE id = ? AND state IN ('available', 'scheduled', 'retryable', 'pending')
    RETURNING *
),
moved AS (
    INSERT INTO {schema}.job_history (id, queue, kind, args, state, priority, attempt, max_attempts,
                                      unique_key, tags, result, errors, created_at, finished_at,
                                      attempted_at, attempted_by, trace_context)
    SELECT id, queue, kind, args, 'cancelled', priority, attempt, max_attempts, unique_key, tags, NULL,
           errors || jsonb_build_array(jsonb_build_object(
               'attempt', attempt, 'at', now(), 'message', 'cancelled before running: ' || ?::text)),
           created_at, now(),
           attempted_at, attempted_by, trace_context
      FROM done
    RETURNING id, queue, state
),
{finish}
SELECT id FROM moved;

-- name: discard_waiting
-- A waiting job is given up on: it moves to history as failed, without running again, and is
-- counted in the same statement like any other finish. Binds: 1 id.
WITH done AS (
    DELETE FROM {schema}.jobs
     WHERE id = ? AND state IN ('available', 'scheduled', 'retryable')
    RETURNING *
),
moved AS (
    INSERT INTO {schema}.job_history (id, queue, kind, args, state, priority, attempt, max_attempts,
                                      unique_key, tags, result, errors, created_at, finished_at,
                                      attempted_at, attempted_by, trace_context)
    SELECT id, queue, kind, args, 'failed', priority, attempt, max_attempts, unique_key, tags, NULL,
           errors || jsonb_build_array(jsonb_build_object(
               'attempt', attempt, 'at', now(), 'message', 'discarded by an operator')),
           created_at, now(),
           attempted_at, attempted_by, trace_context
      FROM done
    RETURNING id, queue, state
),
{finish}
SELECT id FROM moved;

-- name: request_cancel_running
-- A running job is asked to stop: its node sees the flag on the next heartbeat (or at once through
-- the cancel notification) and records the outcome. Binds: 1 id.
UPDATE {schema}.jobs
   SET cancel_requested_at = coalesce(cancel_requested_at, now())
 WHERE id = ? AND state = 'running'
RETURNING id, attempted_by;

-- name: notify
-- Binds: 1 channel, 2 payload.
SELECT pg_notify(?, ?);

-- name: retry_waiting
-- A waiting job runs now instead of at its scheduled or backoff time. Binds: 1 id.
UPDATE {schema}.jobs
   SET run_at = now(),
       state = CASE WHEN state = 'scheduled' THEN 'available' ELSE state END
 WHERE id = ? AND state IN ('available', 'scheduled', 'retryable')
RETURNING id;

-- name: retry_finished
-- A finished job goes back to the hot table under the same id, with one more attempt allowed.
-- Its errors so far stay with it, and it no longer counts as finished. Binds: 1 id.
-- The set_config condition tells the history guard (V8__history_guard.sql) that this delete is
-- counted (by the counted CTE, in this statement); it is evaluated for the matching row only.
WITH h AS (
    DELETE FROM {schema}.job_history
     WHERE id = ? AND set_config('millrace.counted', 'on', true) = 'on'
    RETURNING *
),
back AS (
    INSERT INTO {schema}.jobs (id, queue, kind, args, state, priority, run_at, attempt, max_attempts,
                               unique_key, tags, created_at, errors, attempted_at, trace_context)
    SELECT id, queue, kind, args, 'available', priority, now(), attempt, greatest(max_attempts, attempt + 1),
           unique_key, tags, created_at, errors, attempted_at, trace_context
      FROM h
    RETURNING id
),
counted AS (
    INSERT INTO {schema}.job_counts AS k (queue, state, shard, n)
    SELECT queue, state, pg_backend_pid() % 16, -count(*) FROM h GROUP BY queue, state
    ON CONFLICT (queue, state, shard) DO UPDATE SET n = k.n + excluded.n
)
SELECT id FROM back;

-- name: set_paused
-- Binds: 1 queue, 2 paused.
INSERT INTO {schema}.queues (name, paused, updated_at) VALUES (?, ?, now())
ON CONFLICT (name) DO UPDATE SET paused = excluded.paused, updated_at = now();

-- name: paused_queues
SELECT name FROM {schema}.queues WHERE paused ORDER BY name;

-- name: set_limits
-- A queue's flow control (QueueLimits; nulls clear). The notification ('limits ' and the queue: a
-- space never occurs in a queue name) tells the queue's workers to look at the new limits now rather
-- than at their next periodic look.
-- Binds: 1 queue, 2 max_running, 3 rate_limit, 4 rate_period_ms, 5 jobs channel.
WITH up AS (
    INSERT INTO {schema}.queues AS q (name, max_running, rate_limit, rate_period_ms, updated_at)
    VALUES (?, ?, ?, ?, now())
    ON CONFLICT (name) DO UPDATE
       SET max_running = excluded.max_running, rate_limit = excluded.rate_limit,
           rate_period_ms = excluded.rate_period_ms, updated_at = now()
    RETURNING q.name
)
SELECT pg_notify(?, 'limits ' || name) FROM up;

-- name: queue_limits
SELECT name, max_running, rate_limit, rate_period_ms
  FROM {schema}.queues
 WHERE max_running IS NOT NULL OR rate_limit IS NOT NULL
 ORDER BY name;
