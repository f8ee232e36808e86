-- The raw-SQL ceiling: Millrace's job lifecycle (insert, claim with SKIP LOCKED, delete + archive)
-- as the fewest plain statements, on tables of its own, so the gap to Millrace is the engine's cost.
-- {schema} is the benchmark's own schema, dropped and recreated for every configuration.

-- name: drop_schema
DROP SCHEMA IF EXISTS {schema} CASCADE;

-- name: create_schema
CREATE SCHEMA {schema};

-- name: create_jobs
-- fillfactor 80 as in Millrace's hot table: the claim's UPDATE can stay on the page (HOT) when the
-- indexed columns do not change; state does change, so the partial index still gets an entry removed.
CREATE TABLE {schema}.jobs (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue         text        NOT NULL DEFAULT 'default',
    args          jsonb       NOT NULL,
    state         text        NOT NULL DEFAULT 'available',
    run_at        timestamptz NOT NULL DEFAULT now(),
    attempt       integer     NOT NULL DEFAULT 0,
    attempted_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 80);

-- name: create_claim_index
-- Literal state in the predicate, matched by the claim's literal, so the planner uses this index.
CREATE INDEX jobs_claim_idx ON {schema}.jobs (queue, run_at, id) WHERE state = 'available';

-- name: create_archive
CREATE TABLE {schema}.jobs_done (
    id           bigint      NOT NULL,
    queue        text        NOT NULL,
    args         jsonb       NOT NULL,
    attempt      integer     NOT NULL,
    created_at   timestamptz NOT NULL,
    finished_at  timestamptz NOT NULL DEFAULT now()
);

-- name: insert
-- One statement per batch: binds 1 = jsonb[] of the batch's args.
INSERT INTO {schema}.jobs (args) SELECT unnest(?::jsonb[]);

-- name: analyze
ANALYZE {schema}.jobs;

-- name: claim
-- One statement, one round trip: pick up to N due jobs in index order, skipping rows another worker
-- has locked (SKIP LOCKED: workers never queue behind each other), and mark them running.
-- id = ANY(ARRAY(...)) rather than a join with the picked rows: the planner costs such a join as a
-- hash join over a sequential scan of the whole table, O(backlog) per claim; the array makes the
-- update a primary-key lookup per claimed row. Binds 1 = N. Returns the claimed ids.
UPDATE {schema}.jobs
   SET state = 'running', attempt = attempt + 1, attempted_at = now()
 WHERE id = ANY (ARRAY(
        SELECT id FROM {schema}.jobs
         WHERE queue = 'default' AND state = 'available' AND run_at <= now()
         ORDER BY run_at, id
         LIMIT ?
           FOR UPDATE SKIP LOCKED))
RETURNING id;

-- name: complete
-- One statement for the whole batch: the jobs leave the hot table and land in the archive in the
-- same transaction. Binds 1 = bigint[] of claimed ids.
WITH done AS (
    DELETE FROM {schema}.jobs
     WHERE id = ANY(?) AND state = 'running'
    RETURNING id, queue, args, attempt, created_at
)
INSERT INTO {schema}.jobs_done (id, queue, args, attempt, created_at)
SELECT id, queue, args, attempt, created_at FROM done;
