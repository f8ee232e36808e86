-- Millrace schema, version 7: a projection's staleness, visible to every node.
-- held_since is set by the runner when it finds committed events after its checkpoint that the read
-- horizon keeps it from reading (an open write transaction in this database holds the horizon), and
-- cleared once its checkpoint has passed the events it found waiting. stale_at is held_since plus
-- the staleness budget the running node declares, so every node (including one that only queries)
-- agrees on when the ready projection turns stale for queries and /ready.
ALTER TABLE ${schema}.projections ADD COLUMN held_since timestamptz, ADD COLUMN stale_at timestamptz;
