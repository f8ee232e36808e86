-- Millrace schema, version 10: periodic jobs operators can steer.
-- time_zone: the IANA zone a cron schedule is evaluated in (intervals ignore it); existing rows were
--   evaluated in UTC.
-- paused: set and cleared by operators only; a node registering the schedule never touches it, so
--   it survives restarts and redeploys. The leader's compare-and-swap re-checks it, so a pause that
--   commits before a tick's advance stops that tick.
-- fire_orphaned: an operator's word that the schedule fires although no live node registers it.
-- last_job_id: the job its last tick or trigger enqueued (its outcome is read from that job).
-- trigger_count: manual runs so far; each trigger bumps it under the row lock the tick's
--   compare-and-swap also takes, and tags its one job with the new count.
ALTER TABLE ${schema}.schedules
    ADD COLUMN time_zone     text    NOT NULL DEFAULT 'UTC',
    ADD COLUMN paused        boolean NOT NULL DEFAULT false,
    ADD COLUMN fire_orphaned boolean NOT NULL DEFAULT false,
    ADD COLUMN last_job_id   bigint,
    ADD COLUMN trigger_count bigint  NOT NULL DEFAULT 0;

-- Which node registers which schedule, refreshed by each node on its own timer while it runs and
-- deleted when it stops. A schedule without a fresh registration is orphaned: the leader skips it
-- unless an operator said otherwise. Deleting a schedule deletes its registrations.
CREATE TABLE ${schema}.schedule_registrations (
    name          text        NOT NULL REFERENCES ${schema}.schedules (name) ON DELETE CASCADE,
    node_id       text        NOT NULL,
    registered_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (name, node_id)
);
