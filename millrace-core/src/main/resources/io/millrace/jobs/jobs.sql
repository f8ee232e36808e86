-- Statements of the job lifecycle. {schema} is the validated, quoted schema; every value is bound.
-- A finished job moves to job_history in the same statement as its last transition
-- (DELETE ... RETURNING feeding INSERT), so the hot table only ever holds unfinished jobs.

-- name: insert_jobs
-- One round trip for any number of jobs. Binds, one array element per job:
--   1 queue text[], 2 kind text[], 3 args text[] (JSON), 4 priority int[], 5 run_at text[]
--   (ISO-8601, null = now), 6 max_attempts int[], 7 unique_key text[], 8 tags text[] (a JSON array
--   per job: unnest cannot carry ragged arrays), 9 timeout_ms bigint[]; then one value for every
--   job: 10 trace_context (the W3C carrier as JSON, or null: one enqueue call has one caller context).
-- Ids are drawn in the input CTE so each input row's id is known whether or not it was inserted;
-- ON CONFLICT on the partial unique index leaves a key held by an unfinished job alone (the
-- caller then looks that job up). The CTE is materialised (volatile nextval), so ids are drawn once.
WITH input AS (
    SELECT nextval('{schema}.job_id_seq') AS id, t.*
      FROM unnest(?::text[], ?::text[], ?::text[], ?::int[], ?::text[], ?::int[], ?::text[], ?::text[], ?::bigint[])
           WITH ORDINALITY AS t(queue, kind, args, priority, run_at, max_attempts, unique_key, tags, timeout_ms, ord)
),
inserted AS (
    INSERT INTO {schema}.jobs (id, queue, kind, args, state, priority, run_at, max_attempts, unique_key, tags, timeout_ms, trace_context)
    SELECT id, queue, kind, args::jsonb,
           CASE WHEN run_at::timestamptz > now() THEN 'scheduled' ELSE 'available' END,
           priority, coalesce(run_at::timestamptz, now()), max_attempts, unique_key,
           ARRAY(SELECT jsonb_array_elements_text(tags::jsonb)), timeout_ms, ?::jsonb
      FROM input
     ORDER BY ord
    ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL DO NOTHING
    RETURNING id
)
SELECT input.ord, input.id, input.unique_key, inserted.id IS NOT NULL AS inserted
  FROM input LEFT JOIN inserted ON inserted.id = input.id
 ORDER BY input.ord;

-- name: find_by_unique_keys
-- Binds: 1 unique_key text[]. The jobs that hold these keys now.
SELECT unique_key, id FROM {schema}.jobs WHERE unique_key = ANY(?::text[]);

-- name: claim
-- Claims up to N due jobs of one queue in one statement. SKIP LOCKED lets many workers claim from
-- the same queue without waiting on each other. The literal states match jobs_claim_idx's
-- predicate so the planner uses it; the ORDER BY is that index's order. A paused queue yields no
-- rows for every node, because the pause flag is read by the same statement that claims; so does a
-- queue with a limit (flow control), which only claim_limited claims from.
-- The picked ids go in as an array (id = ANY(ARRAY(...))) so the update is one primary-key lookup
-- per row: joining the picked rows back to jobs (UPDATE ... FROM) planned a hash join over a
-- sequential scan of the whole hot table, a claim cost that grew with the backlog.
-- Each claim increments attempt: (id, attempt) is the lease token that fences later writes.
-- Binds: 1 node id, 2 lease ms, 3 queue, 4 queue, 5 limit.
UPDATE {schema}.jobs
   SET state = 'running',
       attempt = attempt + 1,
       attempted_at = now(),
       attempted_by = ?,
       lease_expires_at = now() + ? * interval '1 millisecond'
 WHERE id = ANY(ARRAY(
           SELECT id
             FROM {schema}.jobs
            WHERE state IN ('available', 'scheduled', 'retryable')
              AND queue = ?
              AND run_at <= now()
              AND NOT coalesce((SELECT paused OR max_running IS NOT NULL OR rate_limit IS NOT NULL
                                FROM {schema}.queues WHERE name = ?), false)
            ORDER BY priority DESC, run_at, id
            LIMIT ?
              FOR UPDATE SKIP LOCKED))
RETURNING id, attempt, queue, kind, args::text, priority, max_attempts, tags,
          timeout_ms, created_at, run_at, now() AS claimed_at,
          trace_context->>'traceparent', trace_context->>'tracestate',
          workflow_id IS NOT NULL AS workflow_member;

-- name: claim_due_from
-- As claim, for the jobs of any priority whose run_at is at or after a bound (ClaimCursor, after a
-- claim that left nothing claimable before it). The bound is checked on each index entry itself,
-- so the entries that earlier claims left dead at the head of jobs_claim_idx are passed over
-- without a visit to the heap (visiting them is what makes a claim slow while a long transaction
-- keeps vacuum from removing them).
-- Binds: 1 node id, 2 lease ms, 3 queue, 4 run_at bound, 5 queue, 6 limit.
UPDATE {schema}.jobs
   SET state = 'running',
       attempt = attempt + 1,
       attempted_at = now(),
       attempted_by = ?,
       lease_expires_at = now() + ? * interval '1 millisecond'
 WHERE id = ANY(ARRAY(
           SELECT id
             FROM {schema}.jobs
            WHERE state IN ('available', 'scheduled', 'retryable')
              AND queue = ?
              AND run_at >= ?
              AND run_at <= now()
              AND NOT coalesce((SELECT paused OR max_running IS NOT NULL OR rate_limit IS NOT NULL
                                FROM {schema}.queues WHERE name = ?), false)
            ORDER BY priority DESC, run_at, id
            LIMIT ?
              FOR UPDATE SKIP LOCKED))
RETURNING id, attempt, queue, kind, args::text, priority, max_attempts, tags,
          timeout_ms, created_at, run_at, now() AS claimed_at,
          trace_context->>'traceparent', trace_context->>'tracestate',
          workflow_id IS NOT NULL AS workflow_member;

-- name: claim_priority_from
-- As claim, for one priority from a run_at bound on (ClaimCursor, while a backlog drains in index
-- order): the index scan starts at (queue, priority, bound), past the dead entries earlier claims
-- left before it.
-- Binds: 1 node id, 2 lease ms, 3 queue, 4 priority, 5 run_at bound, 6 queue, 7 limit.
UPDATE {schema}.jobs
   SET state = 'running',
       attempt = attempt + 1,
       attempted_at = now(),
       attempted_by = ?,
       lease_expires_at = now() + ? * interval '1 millisecond'
 WHERE id = ANY(ARRAY(
           SELECT id
             FROM {schema}.jobs
            WHERE state IN ('available', 'scheduled', 'retryable')
              AND queue = ?
              AND priority = ?
              AND run_at >= ?
              AND run_at <= now()
              AND NOT coalesce((SELECT paused OR max_running IS NOT NULL OR rate_limit IS NOT NULL
                                FROM {schema}.queues WHERE name = ?), false)
            ORDER BY priority DESC, run_at, id
            LIMIT ?
              FOR UPDATE SKIP LOCKED))
RETURNING id, attempt, queue, kind, args::text, priority, max_attempts, tags,
          timeout_ms, created_at, run_at, now() AS claimed_at,
          trace_context->>'traceparent', trace_context->>'tracestate',
          workflow_id IS NOT NULL AS workflow_member;

-- name: lock_limits
-- Flow control, first statement of the claim transaction of a limited queue: locks the queue's row,
-- so the claims of that queue, on every node, run one after another. Returns no row (and locks
-- nothing) when the queue has no limit any more; the caller then claims as for any queue.
-- Binds: 1 queue.
SELECT max_running, rate_limit, rate_period_ms
  FROM {schema}.queues
 WHERE name = ? AND (max_running IS NOT NULL OR rate_limit IS NOT NULL)
   FOR NO KEY UPDATE;

-- name: claim_limited
-- Flow control, second statement, while lock_limits' lock is held. It is a new statement under READ
-- COMMITTED, so its snapshot is taken after the lock was granted: every earlier claim of this queue
-- committed before releasing the lock, so the running count and the rate log below include them.
-- It claims at most: what was asked for; max_running minus the jobs of the queue running now; and
-- rate_limit minus the starts logged within the last rate_period_ms. The time of the claim is
-- statement_timestamp(), which follows the lock order, so the log is in time order. The log keeps
-- only entries within the period and gains one for this claim. Jobs not claimed are left as they
-- were (available, attempt unchanged).
-- Returns one row per claimed job, or one row of nulls when none was; every row carries allowed
-- (how many the limits allowed), rate_wait_ms (when the rate limit allowed fewer than asked for: how
-- long until the oldest logged start leaves the window, so more are allowed) and whether the queue
-- has a concurrency limit.
-- Binds: 1 queue, 2 want, 3 queue, 4 want, 5 node id, 6 lease ms, 7 queue, 8 queue.
WITH q AS (
    SELECT paused, max_running, rate_limit, rate_period_ms, rate_log_at, rate_log_n,
           statement_timestamp() AS t
      FROM {schema}.queues
     WHERE name = ?
),
recent AS (
    SELECT l.at, l.n
      FROM q, unnest(q.rate_log_at, q.rate_log_n) AS l(at, n)
     WHERE q.rate_limit IS NOT NULL
       AND l.at > q.t - q.rate_period_ms * interval '1 millisecond'
),
allowed AS (
    SELECT q.t,
           CASE WHEN q.paused THEN 0 ELSE greatest(0, least(
               ?::int,
               coalesce(q.max_running - (SELECT count(*) FROM {schema}.jobs
                                          WHERE state = 'running' AND queue = ?), 2147483647),
               coalesce(q.rate_limit - (SELECT coalesce(sum(n), 0) FROM recent), 2147483647)))
           END AS n,
           CASE WHEN q.rate_limit - (SELECT coalesce(sum(n), 0) FROM recent) < ?::int
                THEN ceil(extract(epoch FROM (SELECT min(at) FROM recent)
                                             + q.rate_period_ms * interval '1 millisecond' - q.t)
                          * 1000)::bigint
           END AS rate_wait_ms,
           q.max_running IS NOT NULL AS concurrency_limited
      FROM q
),
claimed AS (
    UPDATE {schema}.jobs
       SET state = 'running',
           attempt = attempt + 1,
           attempted_at = (SELECT t FROM allowed),
           attempted_by = ?,
           lease_expires_at = (SELECT t FROM allowed) + ? * interval '1 millisecond'
     WHERE id = ANY(ARRAY(
               SELECT id
                 FROM {schema}.jobs
                WHERE state IN ('available', 'scheduled', 'retryable')
                  AND queue = ?
                  AND run_at <= statement_timestamp()
                ORDER BY priority DESC, run_at, id
                LIMIT (SELECT n FROM allowed)
                  FOR UPDATE SKIP LOCKED))
    RETURNING id, attempt, queue, kind, args::text AS args, priority, max_attempts, tags,
              timeout_ms, created_at, run_at, trace_context->>'traceparent' AS traceparent,
              trace_context->>'tracestate' AS tracestate, workflow_id IS NOT NULL AS workflow_member
),
logged AS (
    UPDATE {schema}.queues AS u
       SET rate_log_at = ARRAY(SELECT at FROM recent ORDER BY at, n) || (SELECT t FROM allowed),
           rate_log_n = ARRAY(SELECT n FROM recent ORDER BY at, n)
                        || (SELECT count(*)::int FROM claimed)
     WHERE u.name = ?
       AND u.rate_limit IS NOT NULL
       AND EXISTS (SELECT 1 FROM claimed)
)
SELECT c.id, c.attempt, c.queue, c.kind, c.args, c.priority, c.max_attempts, c.tags,
       c.timeout_ms, c.created_at, c.run_at, a.t AS claimed_at, a.n AS allowed, a.rate_wait_ms,
       a.concurrency_limited, c.traceparent, c.tracestate, c.workflow_member
  FROM allowed a LEFT JOIN claimed c ON true;

-- name: is_limited
-- Whether a queue has a limit, so its workers claim with claim_limited. Binds: 1 queue.
SELECT 1 FROM {schema}.queues
 WHERE name = ? AND (max_running IS NOT NULL OR rate_limit IS NOT NULL);

-- name: complete_batch
-- Completes many attempts in one statement. Fenced: a row moves only while it is still running
-- under the same attempt; a rescued job's late completion matches nothing.
-- Rows are locked in id order first, as the heartbeat does, so the two never deadlock on a pair of
-- jobs they both touch; the delete then finds them by primary key.
-- Binds: 1 id bigint[], 2 attempt int[], 3 result text[] (JSON or null), 4 the attempt span's
-- traceparent text[] (null without a recorded span). Returns the ids moved.
WITH c AS (
    SELECT * FROM unnest(?::bigint[], ?::int[], ?::text[], ?::text[]) AS c(id, attempt, result, span)
),
locked AS (
    SELECT j.id
      FROM {schema}.jobs j JOIN c ON j.id = c.id AND j.attempt = c.attempt
     WHERE j.state = 'running'
     ORDER BY j.id
       FOR UPDATE OF j
),
done AS (
    DELETE FROM {schema}.jobs j
     WHERE j.id = ANY(ARRAY(SELECT id FROM locked))
    RETURNING j.*
),
moved AS (
    INSERT INTO {schema}.job_history (id, queue, kind, args, state, priority, attempt, max_attempts,
                                      unique_key, tags, result, errors, created_at, finished_at,
                                      attempted_at, attempted_by, trace_context, attempt_traceparent)
    SELECT done.id, queue, kind, args, 'completed', priority, done.attempt, max_attempts,
           unique_key, tags, c.result::jsonb, errors, created_at, now(),
           done.attempted_at, done.attempted_by, done.trace_context, c.span
      FROM done JOIN c ON c.id = done.id
    RETURNING id, queue, state
),
{finish}
SELECT id FROM moved;

-- name: retry_later
-- A failed attempt with attempts left. Fenced by (id, attempt, running).
-- Binds: 1 delay ms, 2 error JSON object, 3 id, 4 attempt.
UPDATE {schema}.jobs
   SET state = 'retryable',
       run_at = now() + ? * interval '1 millisecond',
       errors = errors || jsonb_build_array(?::jsonb),
       attempted_by = NULL,
       lease_expires_at = NULL
 WHERE id = ? AND attempt = ? AND state = 'running';

-- name: finish_with_error
-- The last attempt failed (state 'failed') or the handler honoured a cancellation ('cancelled').
-- Binds: 1 id, 2 attempt, 3 final state, 4 error JSON object (what happened in this attempt).
WITH done AS (
    DELETE FROM {schema}.jobs j
     WHERE j.id = ? AND j.attempt = ? AND j.state = 'running'
    RETURNING j.*
),
moved AS (
    INSERT INTO {schema}.job_history (id, queue, kind, args, state, priority, attempt, max_attempts,
                                      unique_key, tags, result, errors, created_at, finished_at,
                                      attempted_at, attempted_by, trace_context)
    SELECT id, queue, kind, args, ?, priority, attempt, max_attempts,
           unique_key, tags, NULL, errors || jsonb_build_array(?::jsonb), created_at, now(),
           attempted_at, attempted_by, trace_context
      FROM done
    RETURNING id, queue, state
),
{finish}
SELECT id FROM moved;

-- name: snooze
-- Runs the job again later without spending an attempt: max_attempts grows by one instead of
-- attempt shrinking, so attempt numbers (the lease tokens) never repeat.
-- Binds: 1 delay ms, 2 id, 3 attempt.
UPDATE {schema}.jobs
   SET state = 'scheduled',
       run_at = now() + ? * interval '1 millisecond',
       max_attempts = max_attempts + 1,
       attempted_by = NULL,
       lease_expires_at = NULL
 WHERE id = ? AND attempt = ? AND state = 'running';

-- name: release
-- Graceful shutdown hands back work it could not finish: due now, the attempt not counted.
-- Binds: 1 id bigint[], 2 attempt int[].
UPDATE {schema}.jobs j
   SET state = 'retryable',
       run_at = now(),
       max_attempts = j.max_attempts + 1,
       attempted_by = NULL,
       lease_expires_at = NULL
  FROM unnest(?::bigint[], ?::int[]) AS r(id, attempt)
 WHERE j.id = r.id AND j.attempt = r.attempt AND j.state = 'running';

-- name: extend_leases
-- Heartbeat for every attempt this node holds. Touches only lease_expires_at (not indexed), so
-- PostgreSQL can update in place (HOT). Rows not returned were rescued: the attempt lost its lease.
-- Rows are locked in id order first, as complete_batch does, so the two never deadlock.
-- Binds: 1 id bigint[], 2 attempt int[], 3 lease ms.
WITH locked AS (
    SELECT j.id
      FROM {schema}.jobs j
      JOIN unnest(?::bigint[], ?::int[]) AS h(id, attempt) ON j.id = h.id AND j.attempt = h.attempt
     WHERE j.state = 'running'
     ORDER BY j.id
       FOR NO KEY UPDATE OF j
)
UPDATE {schema}.jobs j
   SET lease_expires_at = now() + ? * interval '1 millisecond'
 WHERE j.id = ANY(ARRAY(SELECT id FROM locked))
RETURNING j.id, j.cancel_requested_at IS NOT NULL AS cancel_requested;

-- name: oldest_due
-- How long the oldest due job of one queue has waited (seconds; 0 when none is due), for the
-- millrace.queue.oldest.due.age gauge. Paused queues included: their wait is what an alert wants.
-- A loose index scan of jobs_claim_idx: the recursive part walks the queue's distinct priorities
-- (one index probe each, highest first: strictly decreasing, so it ends after the last one), and
-- each priority's oldest due run_at is the first entry of its (queue, priority) range, so the cost
-- is a few probes per priority, not a scan of the backlog (whose due jobs may be millions).
-- Binds: 1 queue, 2 queue, 3 queue.
WITH RECURSIVE priorities(p) AS (
    SELECT max(priority) FROM {schema}.jobs
     WHERE state IN ('available', 'scheduled', 'retryable') AND queue = ?
  UNION ALL
    SELECT (SELECT max(j.priority) FROM {schema}.jobs j
             WHERE j.state IN ('available', 'scheduled', 'retryable') AND j.queue = ? AND j.priority < p)
      FROM priorities
     WHERE p IS NOT NULL
)
SELECT coalesce(extract(epoch FROM now() - min(d.first_due)), 0)::float8
  FROM priorities
  CROSS JOIN LATERAL (
      SELECT min(j.run_at) AS first_due FROM {schema}.jobs j
       WHERE j.state IN ('available', 'scheduled', 'retryable') AND j.queue = ?
         AND j.priority = priorities.p AND j.run_at <= now()) d
 WHERE priorities.p IS NOT NULL;

-- name: parent_attempt_spans
-- The completing attempts' spans of a workflow step's parents, for its attempt's span to link to.
-- Asked only for workflow members on a node that records spans. workflow_edges_child_idx finds the
-- parents, job_history's id index each parent's row. Binds: 1 child job id.
SELECT h.attempt_traceparent
  FROM {schema}.workflow_edges e
  JOIN {schema}.job_history h ON h.id = e.parent_id
 WHERE e.child_id = ? AND h.attempt_traceparent IS NOT NULL
 ORDER BY e.parent_id;
