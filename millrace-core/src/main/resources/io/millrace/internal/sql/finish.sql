-- The one tail of every statement that ends a job, spliced where a statement says {finish}.
-- The statement defines two CTEs before it: done (the rows deleted from {schema}.jobs, RETURNING
-- j.*) and moved (the rows inserted into {schema}.job_history, RETURNING id, queue, state). This
-- tail counts them and records the workflow members' completion events in that same statement, so
-- neither can disagree with a committed finish. It is plain SQL, not a trigger: nodes of the
-- previous release, running their own statements (which count for themselves) beside this build
-- during a rolling upgrade, are never counted twice.
finish_counted AS (
    INSERT INTO {schema}.job_counts AS k (queue, state, shard, n)
    SELECT queue, state, pg_backend_pid() % 16, count(*) FROM moved GROUP BY queue, state
    ON CONFLICT (queue, state, shard) DO UPDATE SET n = k.n + excluded.n
),
finish_events AS (
    -- Workflow members only (workflow_id is null on every other job, so this inserts nothing for
    -- them), with the state history received.
    INSERT INTO {schema}.workflow_events (workflow_id, job_id, state)
    SELECT done.workflow_id, moved.id, moved.state
      FROM done JOIN moved ON moved.id = done.id
     WHERE done.workflow_id IS NOT NULL
)
