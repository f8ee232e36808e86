-- Statements Millrace runs in a backfill's TARGET database (PostgreSQL or SQLite). Identifiers in
-- braces are validated names, quoted before substitution: {state} is the state table, {table} the
-- backfilled table, {key} its ordered unique key. Every value is a bound parameter. The SQL is the
-- common dialect of both engines; the few differences live in Dialect.

-- name: create_state
-- One row per backfill. The fence is the lease token of the node allowed to write; times are epoch
-- milliseconds so both engines store them alike.
CREATE TABLE IF NOT EXISTS {state} (
    name            text    PRIMARY KEY,
    fence           bigint  NOT NULL,
    cursor_value    text,
    lower_bound     text,
    upper_bound     text,
    finished        integer NOT NULL DEFAULT 0,
    rows_processed  bigint  NOT NULL DEFAULT 0,
    rows_affected   bigint  NOT NULL DEFAULT 0,
    rows_total      bigint,
    batches         bigint  NOT NULL DEFAULT 0,
    batch_size      integer,
    started_at      bigint  NOT NULL,
    updated_at      bigint  NOT NULL
)

-- name: insert_state
-- Binds: name, fence, started_at, updated_at.
INSERT INTO {state} (name, fence, started_at, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (name) DO NOTHING

-- name: take_fence
-- Binds: fence, now, name, fence. Only a newer token may take over; an older node's later
-- statements then find fence <> theirs and write nothing.
UPDATE {state} SET fence = ?, updated_at = ? WHERE name = ? AND fence < ?

-- name: read_state
SELECT fence, cursor_value, lower_bound, upper_bound, finished, rows_processed, rows_affected,
       rows_total, batches, batch_size
  FROM {state} WHERE name = ?

-- name: set_bounds
-- Binds: lower, upper, rows total, now, name, fence. Snapshotted once: later rows are the
-- application's own (it writes them right), and a bound is what makes the walk terminate.
UPDATE {state} SET lower_bound = ?, upper_bound = ?, rows_total = ?, updated_at = ?
 WHERE name = ? AND fence = ? AND upper_bound IS NULL

-- name: check_fence
-- Binds: now, name, fence. First statement of every batch transaction: on PostgreSQL it also locks
-- the state row, so a node taking over waits for the batch in flight and then fences it out.
UPDATE {state} SET updated_at = ? WHERE name = ? AND fence = ?

-- name: max_key
-- min() and max() in separate statements: SQLite answers a lone min or max from the index in
-- O(log n) but scans the table when both share one SELECT.
SELECT max({key}) FROM {table}

-- name: min_key
SELECT min({key}) FROM {table}

-- name: count_rows
SELECT count(*) FROM {table}

-- name: batch_end_first
-- Binds: lower bound (inclusive), upper bound, batch size. The next N keys through the key's index:
-- O(batch) however sparse the keys, and independent of the row filter (which only the body applies),
-- so every batch advances the cursor whether or not its rows match.
SELECT count(*), max(k) FROM (
  SELECT {key} AS k FROM {table} WHERE {key} >= ? AND {key} <= ? ORDER BY {key} LIMIT ?) batch

-- name: batch_end
-- Binds: cursor (exclusive), upper bound, batch size.
SELECT count(*), max(k) FROM (
  SELECT {key} AS k FROM {table} WHERE {key} > ? AND {key} <= ? ORDER BY {key} LIMIT ?) batch

-- name: advance
-- Binds: cursor, rows processed (delta), rows affected (delta), batch size, now, name, fence.
-- Commits with the batch: a crash loses both or neither.
UPDATE {state}
   SET cursor_value = ?, rows_processed = rows_processed + ?, rows_affected = rows_affected + ?,
       batches = batches + 1, batch_size = ?, updated_at = ?
 WHERE name = ? AND fence = ?

-- name: mark_finished
-- Binds: now, name, fence.
UPDATE {state} SET finished = 1, updated_at = ? WHERE name = ? AND fence = ?
