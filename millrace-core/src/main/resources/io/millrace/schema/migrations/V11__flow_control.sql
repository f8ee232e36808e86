-- Millrace schema, version 11: flow control. A queue's row (in queues, which already holds the pause
-- flag) carries its cluster-wide limits: at most max_running of its jobs running at once across all
-- nodes, and at most rate_limit starts in any window of rate_period_ms. Null means no such limit.
-- rate_log_at / rate_log_n record the claims of the last period (when, how many jobs), written by the
-- claim that made them while it holds this row locked; claims of a queue with no limit never touch
-- the row beyond the pause lookup they already made.
ALTER TABLE ${schema}.queues
    ADD COLUMN max_running     integer CHECK (max_running >= 1),
    ADD COLUMN rate_limit      integer CHECK (rate_limit >= 1),
    ADD COLUMN rate_period_ms  bigint  CHECK (rate_period_ms >= 1),
    ADD COLUMN rate_log_at     timestamptz[] NOT NULL DEFAULT '{}',
    ADD COLUMN rate_log_n      integer[]     NOT NULL DEFAULT '{}',
    ADD CONSTRAINT queues_rate_limit_period CHECK ((rate_limit IS NULL) = (rate_period_ms IS NULL));
