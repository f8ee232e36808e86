-- Millrace schema, version 6: history indexes for the dashboard's and the API's job listing.
-- The listing is newest first by id with keyset paging (id < cursor), so each filter needs an
-- index that yields its rows already in id order: a page then reads about `limit` index entries
-- per history partition however long the history is. job_history_id_idx (V1) serves the
-- unfiltered list and, because history is partitioned by state, the state filter too.

CREATE INDEX job_history_queue_id_idx ON ${schema}.job_history (queue, id);
CREATE INDEX job_history_kind_id_idx ON ${schema}.job_history (kind, id);
-- Tags are an array: no btree can hand them out in id order. The GIN index finds rare tags
-- fast; for common ones the planner walks the id index and stops after `limit` matches.
CREATE INDEX job_history_tags_idx ON ${schema}.job_history USING gin (tags);
-- Time-range filters on creation time; ranges are also bounded on finished_at (see search.sql).
CREATE INDEX job_history_created_idx ON ${schema}.job_history (created_at);
