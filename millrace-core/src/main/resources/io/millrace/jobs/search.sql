-- Listing jobs for operators: a base SELECT per table, then one constant fragment per filter that
-- is set, then the keyset order. Only these constant texts are ever joined; every value is bound.
-- Concrete predicates (instead of "? IS NULL OR col = ?") let the planner pick the index that
-- serves each filter together with ORDER BY id DESC, and prune history partitions by state.
-- History indexes that serve these orders are created by V6__dashboard.sql.

-- name: select_active
SELECT id, queue, kind, args::text, state, priority, attempt, max_attempts, unique_key, tags,
       NULL::text AS result, errors::text, created_at, run_at, attempted_at, attempted_by,
       NULL::timestamptz AS finished_at, cancel_requested_at
  FROM {schema}.jobs
 WHERE true

-- name: select_finished
SELECT id, queue, kind, args::text, state, priority, attempt, max_attempts, unique_key, tags,
       result::text, errors::text, created_at, NULL::timestamptz AS run_at,
       attempted_at, attempted_by,
       finished_at, NULL::timestamptz AS cancel_requested_at
  FROM {schema}.job_history
 WHERE true

-- name: select_active_ids
SELECT id FROM {schema}.jobs WHERE true

-- name: select_finished_ids
SELECT id FROM {schema}.job_history WHERE true

-- name: and_queue
-- history: job_history_queue_id_idx (queue, id)
AND queue = ?

-- name: and_state
-- history: a literal-free equality still prunes the LIST partitions at execution time
AND state = ?

-- name: and_kind
-- history: job_history_kind_id_idx (kind, id)
AND kind = ?

-- name: and_tag
-- history: job_history_tags_idx (GIN) when the tag is rare, the id index when it is common
AND tags @> ARRAY[?::text]

-- name: and_created_from
AND created_at >= ?

-- name: and_finished_from
-- History only and redundant with and_created_from (a job finishes after it is created), but
-- finished_at is the partition key, so day partitions older than the range are never opened.
AND finished_at >= ?

-- name: and_created_to
AND created_at < ?

-- name: and_before
AND id < ?

-- name: order_page
ORDER BY id DESC LIMIT ?

-- name: and_id_from
-- The lower end of an id window (see JobSearch: tag filters are read window by window).
AND id >= ?

-- name: history_id_bounds
-- Both ends come from job_history_id_idx (one index probe per partition), never a scan.
SELECT (SELECT min(id) FROM {schema}.job_history), (SELECT max(id) FROM {schema}.job_history)

-- name: prefer_bitmaps
-- For the rest of this transaction only: no plain index or sequential scans, so a tag filter is
-- answered by the GIN index on tags (alone, or ANDed with the id range) and costs what matches,
-- instead of walking the id index of every partition past rows that do not match.
SELECT set_config('enable_indexscan', 'off', true), set_config('enable_indexonlyscan', 'off', true),
       set_config('enable_seqscan', 'off', true)

-- name: and_before_unindexed
-- The same bound as and_before, written so no btree can serve it ("id + 0" is not the indexed
-- expression): after the id windows, the rest of a tag's history is read from the GIN index
-- alone, which costs the rows that carry the tag, however far back they are.
AND id + 0 < ?
