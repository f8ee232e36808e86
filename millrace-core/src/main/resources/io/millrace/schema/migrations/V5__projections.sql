-- Millrace schema, version 5: an event log, projection checkpoints and leases, and a JSON document
-- store for projections that do not keep their own tables.

-- The log. position is assigned at insert, but transactions commit out of order, so readers order
-- by (xid, position): xid is the writing transaction's id, and a reader only reads below
-- pg_snapshot_xmin(pg_current_snapshot()), under which no new row can ever appear (the class
-- comment of io.millrace.projections.ReadHorizon argues why). The primary key (xid, position) is
-- that reading order, so a page is one index range scan. (stream, version) is the stream's own
-- order and the last line of defence of optimistic concurrency.
CREATE TABLE ${schema}.events (
    position   bigint      GENERATED ALWAYS AS IDENTITY,
    xid        xid8        NOT NULL DEFAULT pg_current_xact_id(),
    stream     text        NOT NULL,
    version    bigint      NOT NULL CHECK (version > 0),
    type       text        NOT NULL,
    data       jsonb       NOT NULL,
    metadata   jsonb       NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (xid, position),
    UNIQUE (stream, version)
);

-- One row per stream with its current version. An append updates this row first, so concurrent
-- appenders to one stream queue on its row lock and the loser sees the winner's version.
CREATE TABLE ${schema}.event_streams (
    stream  text   PRIMARY KEY,
    version bigint NOT NULL
) WITH (fillfactor = 70);

-- One row per projection: its fingerprint, its checkpoint (xid, position), its status and the lease
-- that lets one node at a time run it. lease_token grows by one at every acquisition; each page's
-- checkpoint write compares both the token and the previous checkpoint, so a fenced-out runner can
-- neither move it backwards nor apply a page twice.
CREATE TABLE ${schema}.projections (
    name                text        PRIMARY KEY,
    fingerprint         text        NOT NULL,
    status              text        NOT NULL DEFAULT 'catching_up'
                                    CHECK (status IN ('catching_up', 'ready', 'failed')),
    checkpoint_xid      xid8        NOT NULL DEFAULT '0',
    checkpoint_position bigint      NOT NULL DEFAULT 0,
    events_applied      bigint      NOT NULL DEFAULT 0,
    error               text,
    failed_at           timestamptz,
    rebuild_requested   boolean     NOT NULL DEFAULT false,
    catch_up_started_at timestamptz NOT NULL DEFAULT now(),
    ready_at            timestamptz,
    lease_owner         text,
    lease_token         bigint      NOT NULL DEFAULT 0,
    lease_until         timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 50);

-- The built-in document store: JSON documents keyed by (projection, id), written in the same
-- transaction as the projection's checkpoint.
CREATE TABLE ${schema}.projection_documents (
    projection text        NOT NULL,
    id         text        NOT NULL,
    doc        jsonb       NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, id)
);
