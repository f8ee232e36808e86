-- Workflows: submit, advance one hop, sweep, read, cancel.
-- {schema} is the validated, quoted schema; every value is bound.

-- name: next_job_ids
-- Member ids are drawn before anything is written, so edges can name them. Binds: 1 count.
SELECT nextval('{schema}.job_id_seq') FROM generate_series(1, ?);

-- name: insert_workflow
-- Binds: 1 name, 2 namespace, 3 tags text[].
INSERT INTO {schema}.workflows (name, namespace, tags) VALUES (?, ?, ?) RETURNING id, created_at;

-- name: insert_members
-- The member jobs, all in one statement. A member with parents starts 'pending' (not claimable);
-- a root starts like any job. Binds: 1 workflow id, then one array element per member:
-- 2 id bigint[], 3 queue text[], 4 kind text[], 5 args text[] (JSON), 6 priority int[], 7 run_at
-- text[] (ISO-8601, null = now), 8 max_attempts int[], 9 tags text[] (a JSON array per job),
-- 10 timeout_ms bigint[], 11 has_parents boolean[]; then 12 trace_context (the submitter's W3C
-- carrier as JSON, or null), the same for every member: each step's attempts link to the span that
-- submitted the workflow.
INSERT INTO {schema}.jobs (id, queue, kind, args, state, priority, run_at, max_attempts, tags, timeout_ms, workflow_id, trace_context)
SELECT id, queue, kind, args::jsonb,
       CASE WHEN has_parents THEN 'pending'
            WHEN run_at::timestamptz > now() THEN 'scheduled'
            ELSE 'available' END,
       priority, coalesce(run_at::timestamptz, now()), max_attempts,
       ARRAY(SELECT jsonb_array_elements_text(tags::jsonb)), timeout_ms, ?, tc.trace_context
  FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::int[], ?::text[], ?::int[], ?::text[], ?::bigint[], ?::boolean[])
       WITH ORDINALITY AS t(id, queue, kind, args, priority, run_at, max_attempts, tags, timeout_ms, has_parents, ord)
       CROSS JOIN (SELECT ?::jsonb AS trace_context) tc
 ORDER BY ord;

-- name: insert_member_rows
-- Binds: 1 workflow id, 2 job id bigint[], 3 name text[], 4 join policy text[], 5 needed int[],
-- 6 parents int[].
INSERT INTO {schema}.workflow_members (workflow_id, job_id, name, join_policy, needed, parents)
SELECT ?, job_id, name, policy, needed, parents
  FROM unnest(?::bigint[], ?::text[], ?::text[], ?::int[], ?::int[]) AS t(job_id, name, policy, needed, parents);

-- name: insert_edges
-- Binds: 1 workflow id, 2 parent id bigint[], 3 child id bigint[].
INSERT INTO {schema}.workflow_edges (workflow_id, parent_id, child_id)
SELECT ?, parent_id, child_id FROM unnest(?::bigint[], ?::bigint[]) AS t(parent_id, child_id);

-- name: hop_commit_async
-- A hop need not wait for its WAL flush: a crash loses a suffix of the WAL, so it loses the claim
-- with the advancement (and anything later that built on them) and the reconciler redoes them; a
-- worker's claim of a released child commits synchronously, which flushes this commit first.
-- Transaction-scoped, so a pooled connection keeps its own setting.
SET LOCAL synchronous_commit TO off;

-- name: claim_event
-- The hop's claim. It commits with the hop's edge advancement or not at all: a crash anywhere in
-- the hop rolls the claim back and leaves the event for the next dispatcher or the reconciler; a
-- second dispatcher of the same event waits for the first and then matches nothing.
-- Binds: 1 event id.
UPDATE {schema}.workflow_events
   SET dispatched_at = now()
 WHERE id = ? AND dispatched_at IS NULL
RETURNING workflow_id, job_id, state;

-- name: advance
-- One hop: record the finished member's own state, add its outcome to each child's counters,
-- release the children whose join this hop met and skip those whose join it made impossible (a
-- skip moves the child to history, counts it and inserts its own completion event, so the cascade
-- continues hop by hop). Children are locked in id order first so two hops sharing children never
-- deadlock on them. Only the hop whose increment crosses the threshold acts on a child: succeeded
-- reaches needed exactly once, and parents - failed drops to needed - 1 exactly once, because
-- increments of one child are serialised by its member row lock and add one each. A later hop
-- (the second success of an any-of) never touches the child's job row; if it did, its row lock
-- would make the workers' SKIP LOCKED claim pass over the just-released child until the next poll.
-- And only a 'pending' child moves, so one cancelled meanwhile is left alone.
-- Binds: 1 finished state, 2 finished job id, 3 finished job id, 4 succeeded increment,
-- 5 failed increment, 6 succeeded (boolean), 7 not succeeded (boolean), 8 skip reason.
WITH own AS (
    UPDATE {schema}.workflow_members
       SET finished_state = ?, finished_at = now()
     WHERE job_id = ?
),
locked AS (
    SELECT m.job_id
      FROM {schema}.workflow_edges e JOIN {schema}.workflow_members m ON m.job_id = e.child_id
     WHERE e.parent_id = ?
     ORDER BY m.job_id
       FOR NO KEY UPDATE OF m
),
advanced AS (
    UPDATE {schema}.workflow_members m
       SET succeeded = m.succeeded + ?, failed = m.failed + ?
     WHERE m.job_id = ANY(ARRAY(SELECT job_id FROM locked))
    RETURNING m.job_id,
              ?::boolean AND m.succeeded = m.needed AS ready,
              ?::boolean AND m.parents - m.failed = m.needed - 1 AS impossible
),
released AS (
    UPDATE {schema}.jobs j
       SET state = CASE WHEN j.run_at > now() THEN 'scheduled' ELSE 'available' END
     WHERE j.id = ANY(ARRAY(SELECT job_id FROM advanced WHERE ready)) AND j.state = 'pending'
    RETURNING j.id, j.queue
),
done AS (
    DELETE FROM {schema}.jobs j
     WHERE j.id = ANY(ARRAY(SELECT job_id FROM advanced WHERE impossible)) AND j.state = 'pending'
    RETURNING j.*
),
moved AS (
    INSERT INTO {schema}.job_history (id, queue, kind, args, state, priority, attempt, max_attempts,
                                      unique_key, tags, result, errors, created_at, finished_at,
                                      attempted_at, attempted_by, trace_context)
    SELECT id, queue, kind, args, 'skipped', priority, attempt, max_attempts, unique_key, tags, NULL,
           errors || jsonb_build_array(jsonb_build_object('attempt', attempt, 'at', now(), 'message', ?::text)),
           created_at, now(),
           attempted_at, attempted_by, trace_context
      FROM done
    RETURNING id, queue, state
),
{finish}
SELECT 'released' AS what, id, queue FROM released
UNION ALL
SELECT 'skipped', id, NULL FROM moved;

-- name: stale_events
-- The reconciler's sweep: events nobody dispatched within the stale threshold, oldest first,
-- through workflow_events_undispatched_idx (its predicate is this WHERE's dispatched_at IS NULL).
-- The namespace and tag filters are applied here, in SQL, not after the LIMIT.
-- Binds: 1 stale ms, 2/3 namespace (null = all), 4/5 tag (null = all), 6 batch size.
SELECT e.id
  FROM {schema}.workflow_events e
 WHERE e.dispatched_at IS NULL
   AND e.created_at <= now() - ? * interval '1 millisecond'
   AND (?::text IS NULL OR EXISTS (SELECT 1 FROM {schema}.workflows w WHERE w.id = e.workflow_id AND w.namespace = ?))
   AND (?::text IS NULL OR EXISTS (SELECT 1 FROM {schema}.workflows w WHERE w.id = e.workflow_id AND w.tags @> ARRAY[?::text]))
 ORDER BY e.created_at, e.id
 LIMIT ?;

-- name: notify
-- Binds: 1 channel, 2 payload.
SELECT pg_notify(?, ?);

-- name: get_workflow
-- Binds: 1 id.
SELECT w.id, w.name, w.namespace, w.tags, w.created_at, w.cancelled_at,
       (SELECT count(*) FROM {schema}.workflow_members m WHERE m.workflow_id = w.id) AS members,
       (SELECT count(*) FROM {schema}.workflow_members m WHERE m.workflow_id = w.id AND m.finished_state IS NULL) AS open,
       (SELECT count(*) FROM {schema}.workflow_members m WHERE m.workflow_id = w.id AND m.finished_state = 'completed') AS completed,
       (SELECT max(m.finished_at) FROM {schema}.workflow_members m WHERE m.workflow_id = w.id) AS last_finished_at
  FROM {schema}.workflows w
 WHERE w.id = ?;

-- name: list_workflows
-- Newest first, keyset-paginated on id (the primary key). Binds: 1/2 namespace, 3/4 tag,
-- 5 before id (exclusive), 6 limit.
SELECT w.id, w.name, w.namespace, w.tags, w.created_at, w.cancelled_at,
       (SELECT count(*) FROM {schema}.workflow_members m WHERE m.workflow_id = w.id) AS members,
       (SELECT count(*) FROM {schema}.workflow_members m WHERE m.workflow_id = w.id AND m.finished_state IS NULL) AS open,
       (SELECT count(*) FROM {schema}.workflow_members m WHERE m.workflow_id = w.id AND m.finished_state = 'completed') AS completed,
       (SELECT max(m.finished_at) FROM {schema}.workflow_members m WHERE m.workflow_id = w.id) AS last_finished_at
  FROM {schema}.workflows w
 WHERE (?::text IS NULL OR w.namespace = ?)
   AND (?::text IS NULL OR w.tags @> ARRAY[?::text])
   AND w.id < ?
 ORDER BY w.id DESC
 LIMIT ?;

-- name: members
-- Every member with its current job state: from the hot table while unfinished, from history once
-- finished, and from the member row if retention has dropped the job since. Binds: 1 workflow id.
SELECT m.job_id, m.name, m.join_policy, m.needed, m.parents, m.succeeded, m.failed,
       coalesce(j.state, h.state, m.finished_state) AS state,
       coalesce(j.kind, h.kind) AS kind, coalesce(j.queue, h.queue) AS queue,
       h.result::text AS result, h.finished_at
  FROM {schema}.workflow_members m
  LEFT JOIN {schema}.jobs j ON j.id = m.job_id
  LEFT JOIN {schema}.job_history h ON h.id = m.job_id
 WHERE m.workflow_id = ?
 ORDER BY m.job_id;

-- name: edges
-- Binds: 1 workflow id.
SELECT e.parent_id, p.name, e.child_id, c.name
  FROM {schema}.workflow_edges e
  JOIN {schema}.workflow_members p ON p.job_id = e.parent_id
  JOIN {schema}.workflow_members c ON c.job_id = e.child_id
 WHERE e.workflow_id = ?
 ORDER BY e.parent_id, e.child_id;

-- name: parent_results
-- What a child's handler reads: each parent's name, state and result. Binds: 1 child job id.
SELECT p.name, e.parent_id, coalesce(h.state, j.state, p.finished_state) AS state, h.result::text
  FROM {schema}.workflow_edges e
  JOIN {schema}.workflow_members p ON p.job_id = e.parent_id
  LEFT JOIN {schema}.job_history h ON h.id = e.parent_id
  LEFT JOIN {schema}.jobs j ON j.id = e.parent_id
 WHERE e.child_id = ?
 ORDER BY p.name;

-- name: mark_cancelled
-- Binds: 1 workflow id. Returns nothing for an unknown workflow.
UPDATE {schema}.workflows SET cancelled_at = coalesce(cancelled_at, now()) WHERE id = ? RETURNING id;

-- name: cancel_waiting_members
-- Every member not running is cancelled at once, moves to history, is counted and gets its
-- completion event (whose hops then find its children already cancelled and change nothing).
-- Members are locked in id order first, as the hop locks children, so the two never deadlock.
-- Binds: 1 workflow id.
WITH locked AS (
    SELECT id FROM {schema}.jobs
     WHERE workflow_id = ? AND state IN ('pending', 'available', 'scheduled', 'retryable')
     ORDER BY id
       FOR UPDATE
),
done AS (
    DELETE FROM {schema}.jobs j WHERE j.id = ANY(ARRAY(SELECT id FROM locked)) RETURNING j.*
),
moved AS (
    INSERT INTO {schema}.job_history (id, queue, kind, args, state, priority, attempt, max_attempts,
                                      unique_key, tags, result, errors, created_at, finished_at,
                                      attempted_at, attempted_by, trace_context)
    SELECT id, queue, kind, args, 'cancelled', priority, attempt, max_attempts, unique_key, tags, NULL,
           errors || jsonb_build_array(jsonb_build_object(
               'attempt', attempt, 'at', now(), 'message', 'cancelled with its workflow')),
           created_at, now(),
           attempted_at, attempted_by, trace_context
      FROM done
    RETURNING id, queue, state
),
{finish}
SELECT id FROM moved;

-- name: cancel_running_members
-- Running members are asked to stop, as a single running job is; their nodes record the outcome,
-- and that finish inserts their completion events. Binds: 1 workflow id.
UPDATE {schema}.jobs
   SET cancel_requested_at = coalesce(cancel_requested_at, now())
 WHERE workflow_id = ? AND state = 'running'
RETURNING id;

-- name: prune_workflows
-- Retention: finished workflows whose last member finished before the cutoff leave with their
-- members, edges and events, a batch at a time, in one statement (the members' foreign key is
-- checked at its end, when they are gone too). A workflow with an unfinished member is never
-- selected, so a batch loop ends: each full batch removes what it selected.
-- Binds: 1 cutoff ms, 2 cutoff ms, 3 batch size.
WITH done AS (
    SELECT w.id FROM {schema}.workflows w
     WHERE w.created_at < now() - ? * interval '1 millisecond'
       AND NOT EXISTS (SELECT 1 FROM {schema}.workflow_members m
                        WHERE m.workflow_id = w.id
                          AND (m.finished_state IS NULL OR m.finished_at >= now() - ? * interval '1 millisecond'))
     ORDER BY w.id
     LIMIT ?
),
edges AS (
    DELETE FROM {schema}.workflow_edges WHERE workflow_id IN (SELECT id FROM done)
),
events AS (
    DELETE FROM {schema}.workflow_events WHERE workflow_id IN (SELECT id FROM done)
),
members AS (
    DELETE FROM {schema}.workflow_members WHERE workflow_id IN (SELECT id FROM done)
)
DELETE FROM {schema}.workflows WHERE id IN (SELECT id FROM done) RETURNING id;
