-- Millrace schema, version 3: workflows, jobs that depend on jobs.
-- ${schema} is the configured schema, validated as an identifier and quoted before substitution.

-- A member waiting on its parents is 'pending': in the hot table (so it is counted, cancellable and
-- listed like any unfinished job) but not claimable, because jobs_claim_idx and the claim statement
-- name their states literally and 'pending' is not among them.
ALTER TABLE ${schema}.jobs DROP CONSTRAINT jobs_state_check;
ALTER TABLE ${schema}.jobs ADD CONSTRAINT jobs_state_check
    CHECK (state IN ('available', 'scheduled', 'retryable', 'running', 'pending'));
-- Null for every job that is not a workflow member: the finishing statements insert a completion
-- event only for rows where it is set. A nullable column without a default is a catalogue change.
ALTER TABLE ${schema}.jobs ADD COLUMN workflow_id bigint;

-- 'skipped': a member whose join can no longer be met. A terminal state of its own (not
-- 'cancelled'), so operators can tell "nobody asked for this" from "the parents made it moot".
ALTER TABLE ${schema}.job_history DROP CONSTRAINT job_history_state_check;
ALTER TABLE ${schema}.job_history ADD CONSTRAINT job_history_state_check
    CHECK (state IN ('completed', 'failed', 'cancelled', 'skipped'));
CREATE TABLE ${schema}.job_history_skipped PARTITION OF ${schema}.job_history
    FOR VALUES IN ('skipped') PARTITION BY RANGE (finished_at);
CREATE TABLE ${schema}.job_history_skipped_default PARTITION OF ${schema}.job_history_skipped DEFAULT;
ALTER TABLE ${schema}.job_counts DROP CONSTRAINT job_counts_state_check;
ALTER TABLE ${schema}.job_counts ADD CONSTRAINT job_counts_state_check
    CHECK (state IN ('completed', 'failed', 'cancelled', 'skipped'));
ALTER TABLE ${schema}.job_count_rollup DROP CONSTRAINT job_count_rollup_state_check;
ALTER TABLE ${schema}.job_count_rollup ADD CONSTRAINT job_count_rollup_state_check
    CHECK (state IN ('completed', 'failed', 'cancelled', 'skipped'));

CREATE SEQUENCE ${schema}.workflow_id_seq AS bigint;

-- One row per submitted workflow. Its status is derived from its members when read.
CREATE TABLE ${schema}.workflows (
    id            bigint      PRIMARY KEY DEFAULT nextval('${schema}.workflow_id_seq'),
    name          text        NOT NULL,
    namespace     text,
    tags          text[]      NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    cancelled_at  timestamptz
);
ALTER SEQUENCE ${schema}.workflow_id_seq OWNED BY ${schema}.workflows.id;
CREATE INDEX workflows_namespace_idx ON ${schema}.workflows (namespace, id) WHERE namespace IS NOT NULL;

-- One row per member job. needed is what the join policy asks for, in successful parents:
-- all-of = parents, any-of = 1, quorum(k) = k. A hop adds to succeeded or failed (failed,
-- cancelled and skipped parents), and then the child is ready once succeeded >= needed and
-- impossible once parents - failed < needed; the two cannot both hold. Both counters only grow,
-- each event adds to them exactly once (its claim commits with the increment), so the verdict
-- does not depend on the order in which parents finish.
-- finished_state is the member's own terminal state, recorded by the hop that dispatches its
-- event, so a workflow's outcome survives history retention.
CREATE TABLE ${schema}.workflow_members (
    job_id          bigint      PRIMARY KEY,
    workflow_id     bigint      NOT NULL REFERENCES ${schema}.workflows (id),
    name            text        NOT NULL,
    join_policy     text        NOT NULL CHECK (join_policy IN ('all', 'any', 'quorum')),
    needed          integer     NOT NULL CHECK (needed >= 0),
    parents         integer     NOT NULL CHECK (parents >= needed),
    succeeded       integer     NOT NULL DEFAULT 0,
    failed          integer     NOT NULL DEFAULT 0,
    finished_state  text,
    finished_at     timestamptz,
    UNIQUE (workflow_id, name)
) WITH (fillfactor = 70);

-- parent -> child. The primary key serves the hop (children of a finished parent); the second
-- index serves "parents of this child" (parent results) and the admin view.
CREATE TABLE ${schema}.workflow_edges (
    workflow_id  bigint NOT NULL,
    parent_id    bigint NOT NULL,
    child_id     bigint NOT NULL,
    PRIMARY KEY (parent_id, child_id)
);
CREATE INDEX workflow_edges_child_idx ON ${schema}.workflow_edges (child_id);
CREATE INDEX workflow_edges_workflow_idx ON ${schema}.workflow_edges (workflow_id);

-- A member reached a terminal state. Inserted by the statement that finished it, in the same
-- transaction; dispatched_at is set by the hop that advances its children, in that hop's
-- transaction, so an event is dispatched exactly once or not at all.
CREATE TABLE ${schema}.workflow_events (
    id             bigserial   PRIMARY KEY,
    workflow_id    bigint      NOT NULL,
    job_id         bigint      NOT NULL,
    state          text        NOT NULL CHECK (state IN ('completed', 'failed', 'cancelled', 'skipped')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    dispatched_at  timestamptz
);
-- The reconciler's sweep: only undispatched events are in it, so it stays as small as the
-- unfinished cascade however long the log grows.
CREATE INDEX workflow_events_undispatched_idx ON ${schema}.workflow_events (created_at, id)
    WHERE dispatched_at IS NULL;
CREATE INDEX workflow_events_workflow_idx ON ${schema}.workflow_events (workflow_id);

-- Wake-up only: the payload is the event id, nothing else; the reconciler finds what a lost
-- notification missed. A row trigger, so statements that insert no event (every job that is not a
-- workflow member) never run it. The channel is 'millrace_wf_' || schema (SchemaName#workflowsChannel).
CREATE FUNCTION ${schema}.notify_workflow_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('millrace_wf_' || TG_TABLE_SCHEMA, NEW.id::text);
    RETURN NULL;
END;
$$;
CREATE TRIGGER workflow_events_notify AFTER INSERT ON ${schema}.workflow_events
    FOR EACH ROW EXECUTE FUNCTION ${schema}.notify_workflow_event();
