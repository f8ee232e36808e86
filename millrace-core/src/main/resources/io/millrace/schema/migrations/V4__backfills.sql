-- Millrace schema, version 4: backfills (online data migrations in keyset batches).
-- ${schema} is the configured schema, validated as an identifier and quoted before substitution.
--
-- This table is the registry, the lease and the operator's control surface. The truth about a
-- backfill's progress (its cursor and counters) lives in a small state table in the TARGET database,
-- committed in the same transaction as each batch; the progress columns here are a best-effort
-- mirror, refreshed with every heartbeat, so the API and CLI can show it without reaching the target.
CREATE TABLE ${schema}.backfills (
    name              text        PRIMARY KEY,
    -- Registration order: a backfill that is not independent runs only after every earlier
    -- non-independent one has succeeded (or was cancelled by an operator).
    position          bigint      GENERATED ALWAYS AS IDENTITY,
    independent       boolean     NOT NULL DEFAULT false,
    blocking          boolean     NOT NULL DEFAULT false,
    state             text        NOT NULL DEFAULT 'pending'
                                  CHECK (state IN ('pending', 'running', 'paused', 'succeeded', 'failed', 'cancelled')),
    target            text        NOT NULL,
    table_name        text        NOT NULL,
    key_column        text        NOT NULL,
    -- The lease: one node at a time. fence grows by one with every acquisition; the target's state
    -- table carries it too and every batch checks it, so a node that lost its lease commits nothing.
    lease_owner       text,
    lease_expires_at  timestamptz,
    fence             bigint      NOT NULL DEFAULT 0,
    -- Mirror of the target's progress (best effort; the target is the truth).
    cursor_value      text,
    upper_bound       text,
    rows_processed    bigint      NOT NULL DEFAULT 0,
    rows_affected     bigint      NOT NULL DEFAULT 0,
    rows_total        bigint,
    batches           bigint      NOT NULL DEFAULT 0,
    batch_size        integer,
    rows_per_second   double precision,
    eta_seconds       double precision,
    throttled_by      text,
    progress_at       timestamptz,
    attempts          integer     NOT NULL DEFAULT 0,
    last_error        text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    started_at        timestamptz,
    finished_at       timestamptz,
    updated_at        timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 80);
-- fillfactor 80: the heartbeat rewrites this row after every batch; no index covers the columns it
-- changes, so those updates stay HOT.
