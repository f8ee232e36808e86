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

-- name: horizon_active
-- Step 1 of the read horizon (ReadHorizon has the argument); a transaction of its own. No binds.
-- Returns N (this statement's snapshot xmax, taken before pg_stat_activity is read), the smallest
-- id of a running transaction of THIS database widened to xid8 against N (running ids lie within
-- 2^31 of it) with its pid and start, and whether the server can hold prepared transactions.
SELECT s.n::text, a.xid::text, a.pid, a.xact_start, current_setting('max_prepared_transactions')::int > 0
  FROM (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS n) s
  LEFT JOIN LATERAL (
    SELECT s.n + ((b.backend_xid::text::bigint - s.n % 4294967296 + 6442450944) % 4294967296 - 2147483648) AS xid,
           b.pid, b.xact_start
      FROM pg_stat_activity b
     WHERE b.datid = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND b.backend_xid IS NOT NULL
     ORDER BY 1
     LIMIT 1
  ) a ON true;

-- name: horizon_prepared
-- Step 2, after step 1: the oldest prepared transaction of this database, widened against N.
-- Binds: N. Returns its id (text), gid and when it was prepared; no row when there is none.
SELECT w.xid::text, w.gid, w.prepared
  FROM (SELECT s.n + ((p.transaction::text::bigint - s.n % 4294967296 + 6442450944) % 4294967296 - 2147483648) AS xid,
               p.gid, p.prepared
          FROM (SELECT ?::bigint AS n) s, pg_prepared_xacts p
         WHERE p.database = current_database()) w
 ORDER BY w.xid
 LIMIT 1;

-- name: read_all
-- A page of the log after a checkpoint, in (xid, position) order: one range scan of the primary key.
-- Only below the read horizon (ReadHorizon): every transaction with a smaller id that could write
-- here has ended, so no event can ever appear behind the page's end and a checkpoint there never
-- skips one. Binds: checkpoint xid (text), checkpoint position, horizon xid (text), limit.
-- The output column is aliased: a bare "ORDER BY xid" would sort by the text output column of that
-- name, and "1001" sorts before "998".
SELECT e.xid::text AS xid_text, e.position, e.stream, e.version, e.type, e.data::text, e.metadata::text, e.created_at
  FROM {schema}.events e
 WHERE (e.xid, e.position) > (?::xid8, ?)
   AND e.xid < ?::xid8
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

-- name: last_after
-- The last committed event after a checkpoint, readable yet or not (a backward scan of the primary
-- key that stops at the first row). Binds: xid (text), position. No row: nothing lies after it.
SELECT xid::text, position FROM {schema}.events
 WHERE (xid, position) > (?::xid8, ?)
 ORDER BY xid DESC, position DESC
 LIMIT 1;

-- name: head
-- The total events and the last position in reading order. No binds.
SELECT (SELECT count(*) FROM {schema}.events),
       (SELECT xid::text || ':' || position FROM {schema}.events ORDER BY xid DESC, position DESC LIMIT 1);
