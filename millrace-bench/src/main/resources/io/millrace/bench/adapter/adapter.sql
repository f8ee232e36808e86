-- Statements the benchmark adapter runs besides Millrace's own. {schema} is Millrace's schema.

-- name: queue_depth
-- Unfinished jobs: every row of the hot table (finished jobs leave it in their last transition);
-- the states are spelled out so the number means the same if that ever changes. A count over the
-- hot table is O(backlog), read once per sample and per depth-target producer cycle.
SELECT count(*) FROM {schema}.jobs WHERE state IN ('available', 'scheduled', 'retryable', 'running');

-- name: database_name
SELECT current_database();
