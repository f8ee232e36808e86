-- Millrace schema, version 1: the job queue, its history, queues, nodes and schedules.
-- ${schema} is the configured schema, validated as an identifier and quoted before substitution.

-- One row that describes this install. Later capabilities add columns here (the counts trust
-- marker, for example) rather than new singleton tables.
CREATE TABLE ${schema}.control (
    singleton      boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    installed_at   timestamptz NOT NULL DEFAULT now(),
    leader_node    text,
    leader_since   timestamptz
);
INSERT INTO ${schema}.control DEFAULT VALUES;

-- Queues exist implicitly when a job names them; a row appears when one is paused or configured.
CREATE TABLE ${schema}.queues (
    name        text        PRIMARY KEY,
    paused      boolean     NOT NULL DEFAULT false,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE SEQUENCE ${schema}.job_id_seq AS bigint;

-- The hot table holds only jobs that are not finished. A job leaves it in the same transaction as
-- its terminal transition, so its size tracks the backlog, not the history.
-- fillfactor 80 leaves room on each page for HOT updates (heartbeats only touch lease_expires_at,
-- which no index covers).
CREATE TABLE ${schema}.jobs (
    id                   bigint      PRIMARY KEY DEFAULT nextval('${schema}.job_id_seq'),
    queue                text        NOT NULL,
    kind                 text        NOT NULL,
    args                 jsonb       NOT NULL,
    state                text        NOT NULL CHECK (state IN ('available', 'scheduled', 'retryable', 'running')),
    priority             smallint    NOT NULL DEFAULT 0,
    run_at               timestamptz NOT NULL DEFAULT now(),
    attempt              integer     NOT NULL DEFAULT 0,
    max_attempts         integer     NOT NULL CHECK (max_attempts >= 1),
    unique_key           text,
    tags                 text[]      NOT NULL DEFAULT '{}',
    timeout_ms           bigint      CHECK (timeout_ms > 0),
    created_at           timestamptz NOT NULL DEFAULT now(),
    attempted_at         timestamptz,
    attempted_by         text,
    lease_expires_at     timestamptz,
    cancel_requested_at  timestamptz,
    errors               jsonb       NOT NULL DEFAULT '[]'
) WITH (fillfactor = 80);
ALTER SEQUENCE ${schema}.job_id_seq OWNED BY ${schema}.jobs.id;

-- The claim path: literal states in the predicate so the planner picks this partial index.
CREATE INDEX jobs_claim_idx ON ${schema}.jobs (queue, priority DESC, run_at, id)
    WHERE state IN ('available', 'scheduled', 'retryable');
-- Rescue walks running jobs only; lease_expires_at is deliberately not indexed (heartbeats stay HOT).
CREATE INDEX jobs_running_idx ON ${schema}.jobs (id) WHERE state = 'running';
-- Uniqueness holds while a job is not finished: finished jobs are no longer in this table.
CREATE UNIQUE INDEX jobs_unique_key_idx ON ${schema}.jobs (unique_key) WHERE unique_key IS NOT NULL;

-- History of finished jobs, split by state so that each state keeps its own retention, then by day
-- so that retention drops whole partitions instead of deleting rows.
CREATE TABLE ${schema}.job_history (
    id            bigint      NOT NULL,
    queue         text        NOT NULL,
    kind          text        NOT NULL,
    args          jsonb       NOT NULL,
    state         text        NOT NULL CHECK (state IN ('completed', 'failed', 'cancelled')),
    priority      smallint    NOT NULL,
    attempt       integer     NOT NULL,
    max_attempts  integer     NOT NULL,
    unique_key    text,
    tags          text[]      NOT NULL,
    result        jsonb,
    errors        jsonb       NOT NULL,
    created_at    timestamptz NOT NULL,
    finished_at   timestamptz NOT NULL
) PARTITION BY LIST (state);

CREATE TABLE ${schema}.job_history_completed PARTITION OF ${schema}.job_history
    FOR VALUES IN ('completed') PARTITION BY RANGE (finished_at);
CREATE TABLE ${schema}.job_history_failed PARTITION OF ${schema}.job_history
    FOR VALUES IN ('failed') PARTITION BY RANGE (finished_at);
CREATE TABLE ${schema}.job_history_cancelled PARTITION OF ${schema}.job_history
    FOR VALUES IN ('cancelled') PARTITION BY RANGE (finished_at);

-- Default partitions catch rows whose day partition does not exist yet, so a finishing job never
-- fails for want of a partition. The leader creates day partitions ahead of time.
CREATE TABLE ${schema}.job_history_completed_default PARTITION OF ${schema}.job_history_completed DEFAULT;
CREATE TABLE ${schema}.job_history_failed_default PARTITION OF ${schema}.job_history_failed DEFAULT;
CREATE TABLE ${schema}.job_history_cancelled_default PARTITION OF ${schema}.job_history_cancelled DEFAULT;

CREATE INDEX job_history_id_idx ON ${schema}.job_history (id);
CREATE INDEX job_history_queue_finished_idx ON ${schema}.job_history (queue, finished_at DESC);

-- Nodes announce themselves and heartbeat; the leader prunes nodes that stopped heartbeating.
CREATE TABLE ${schema}.nodes (
    id            text        PRIMARY KEY,
    host          text        NOT NULL,
    pid           bigint      NOT NULL,
    queues        text[]      NOT NULL DEFAULT '{}',
    kinds         text[]      NOT NULL DEFAULT '{}',
    started_at    timestamptz NOT NULL DEFAULT now(),
    heartbeat_at  timestamptz NOT NULL DEFAULT now()
);

-- Cron and periodic schedules. next_fire_at is compare-and-swapped by the leader in the same
-- transaction that inserts the tick's job, so a tick fires once even if two nodes briefly lead.
CREATE TABLE ${schema}.schedules (
    name                text        PRIMARY KEY,
    spec                text        NOT NULL,
    kind                text        NOT NULL,
    queue               text        NOT NULL,
    args                jsonb       NOT NULL,
    priority            smallint    NOT NULL DEFAULT 0,
    max_attempts        integer     NOT NULL,
    misfire_policy      text        NOT NULL CHECK (misfire_policy IN ('fire_once', 'fire_all', 'skip')),
    next_fire_at        timestamptz NOT NULL,
    last_fired_at       timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- Wake-up only: the payload is the queue name; workers poll as well, so a lost notification
-- costs latency, never a job. Statement-level, so a bulk insert sends one notification per queue.
CREATE FUNCTION ${schema}.notify_jobs_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_ARGV[0], q.queue)
       FROM (SELECT DISTINCT queue FROM inserted WHERE state <> 'scheduled') q;
    RETURN NULL;
END;
$$;
CREATE TRIGGER jobs_notify_inserted AFTER INSERT ON ${schema}.jobs
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION ${schema}.notify_jobs_inserted('${channel}');
