-- Millrace schema, version 2: exact queue counts that stay cheap however long the history.

-- Finished jobs per queue and state, maintained by the same statement that finishes a job (or, for
-- an operator's retry of a finished job, un-finishes it). Rows are sharded by the writing session
-- so concurrent completions on different connections do not queue on one row lock; a read sums
-- the shards. n is not indexed and fillfactor leaves room, so increments are HOT updates.
CREATE TABLE ${schema}.job_counts (
    queue  text     NOT NULL,
    state  text     NOT NULL CHECK (state IN ('completed', 'failed', 'cancelled')),
    shard  smallint NOT NULL,
    n      bigint   NOT NULL,
    PRIMARY KEY (queue, state, shard)
) WITH (fillfactor = 50);

-- History that retention removed, per queue and state, so that the counters, and a scan of history
-- plus this rollup, both stay exact after partitions are dropped.
CREATE TABLE ${schema}.job_count_rollup (
    queue  text   NOT NULL,
    state  text   NOT NULL CHECK (state IN ('completed', 'failed', 'cancelled')),
    n      bigint NOT NULL,
    PRIMARY KEY (queue, state)
);

-- The trust marker. Exact reads use the counters only while it is set; otherwise they scan.
-- It is set here only if this same migration run created the schema: version 1 stamped
-- installed_at with this transaction's now() (Millrace applies pending migrations in one
-- transaction). A schema that existed before, even with an empty history, may have been written by
-- a node that did not maintain counters, so it stays untrusted until `rebuild-counters`.
ALTER TABLE ${schema}.control
    ADD COLUMN counters_trusted boolean NOT NULL DEFAULT false,
    ADD COLUMN counters_marked_at timestamptz;
UPDATE ${schema}.control
   SET counters_trusted = (installed_at = now()),
       counters_marked_at = CASE WHEN installed_at = now() THEN now() END;
