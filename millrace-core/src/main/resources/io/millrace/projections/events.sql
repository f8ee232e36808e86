-- Statements of the event store (EventStore). {schema} is the validated, quoted schema name.

-- name: bump_any
-- Appends with no expectation: create the stream row or add n to it. Binds: stream, n.
-- Returns the stream's version after the append; the row lock queues other appenders to the stream.
INSERT INTO {schema}.event_streams (stream, version) VALUES (?, ?)
ON CONFLICT (stream) DO UPDATE SET version = event_streams.version + EXCLUDED.version
RETURNING version;

-- name: bump_new
-- Appends to a stream that must not exist yet. Binds: stream, n. No row back means it exists (a
-- concurrent creator waits on the unique index and then finds the conflict).
INSERT INTO {schema}.event_streams (stream, version) VALUES (?, ?)
ON CONFLICT (stream) DO NOTHING
RETURNING version;

-- name: bump_expected
-- Appends to a stream that must be at exactly the expected version. Binds: n, stream, expected.
-- Under READ COMMITTED a concurrent appender that committed first makes the WHERE re-check fail.
UPDATE {schema}.event_streams SET version = version + ?
 WHERE stream = ? AND version = ?
RETURNING version;

-- name: stream_version
-- Binds: stream. For the conflict message: the version the append did not find.
SELECT version FROM {schema}.event_streams WHERE stream = ?;

-- name: insert_events
-- One statement for the whole batch. Binds: stream, version before the append, types[], data[],
-- metadata[]. ORDER BY ord keeps positions in the order the caller gave the events.
INSERT INTO {schema}.events (stream, version, type, data, metadata)
SELECT ?, ? + e.ord, e.type, e.data::jsonb, e.metadata::jsonb
  FROM unnest(?::text[], ?::text[], ?::text[]) WITH ORDINALITY AS e(type, data, metadata, ord)
 ORDER BY e.ord
RETURNING position;

-- name: wake
-- A wake-up only: readers resume from their durable checkpoint, so the payload carries nothing.
-- Binds: channel. Delivered at commit, and not at all if the append rolls back.
SELECT pg_notify(?, '');

-- name: read_stream
-- Binds: stream, from version (inclusive), limit. Uses the (stream, version) unique index.
SELECT xid::text AS xid_text, position, stream, version, type, data::text, metadata::text, created_at
  FROM {schema}.events
 WHERE stream = ? AND version >= ?
 ORDER BY version
 LIMIT ?;

-- name: read_all
-- A page of the log after a checkpoint, in (xid, position) order: one range scan of the primary key.
-- Only below the snapshot's xmin: every transaction with a smaller id has ended, so no event can
-- ever appear behind the page's end and a checkpoint there never skips one (DESIGN.md, "Event log
-- ordering"). Binds: checkpoint xid (text), checkpoint position, limit.
-- The output column is aliased: a bare "ORDER BY xid" would sort by the text output column of that
-- name, and "1001" sorts before "998".
SELECT e.xid::text AS xid_text, e.position, e.stream, e.version, e.type, e.data::text, e.metadata::text, e.created_at
  FROM {schema}.events e
 WHERE (e.xid, e.position) > (?::xid8, ?)
   AND e.xid < pg_snapshot_xmin(pg_current_snapshot())
 ORDER BY e.xid, e.position
 LIMIT ?;

-- name: count_after
-- Events committed after a checkpoint, horizon or not: the lag. Binds: xid (text), position, cap.
-- The cap bounds the cost on a huge backlog; a lag at the cap reads as "at least".
SELECT count(*) FROM (
  SELECT 1 FROM {schema}.events WHERE (xid, position) > (?::xid8, ?) LIMIT ?
) AS pending;

-- name: any_after
-- Whether any committed event lies after a checkpoint (the ready test). Binds: xid (text), position.
SELECT EXISTS (SELECT 1 FROM {schema}.events WHERE (xid, position) > (?::xid8, ?));

-- name: head
-- The total events and the last position in reading order. No binds.
SELECT (SELECT count(*) FROM {schema}.events),
       (SELECT xid::text || ':' || position FROM {schema}.events ORDER BY xid DESC, position DESC LIMIT 1);
