-- Periodic jobs. {schema} is the validated, quoted schema; every value is bound.

-- name: upsert_schedule
-- A node registering its periodic jobs. An unchanged spec keeps its next_fire_at, so restarts and
-- other nodes registering the same schedule never move or repeat a tick.
-- Binds: 1 name, 2 spec, 3 kind, 4 queue, 5 args JSON, 6 priority, 7 max_attempts, 8 misfire
-- policy, 9 next_fire_at if new or changed.
INSERT INTO {schema}.schedules AS s (name, spec, kind, queue, args, priority, max_attempts,
                                     misfire_policy, next_fire_at, updated_at)
VALUES (?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, now())
ON CONFLICT (name) DO UPDATE
   SET kind = excluded.kind, queue = excluded.queue, args = excluded.args,
       priority = excluded.priority, max_attempts = excluded.max_attempts,
       misfire_policy = excluded.misfire_policy,
       next_fire_at = CASE WHEN s.spec = excluded.spec THEN s.next_fire_at ELSE excluded.next_fire_at END,
       spec = excluded.spec,
       updated_at = now()
 WHERE (s.spec, s.kind, s.queue, s.args, s.priority, s.max_attempts, s.misfire_policy)
       IS DISTINCT FROM (excluded.spec, excluded.kind, excluded.queue, excluded.args,
                         excluded.priority, excluded.max_attempts, excluded.misfire_policy);

-- name: due_schedules
-- Schedules with a tick due, and the clock they are due by: the database's (the one truth every
-- node shares), or the instant a test fires them as of (Millrace.firePeriodicJobs).
-- Binds: 1 the instant to fire as of, or null for the database's now().
WITH clock AS (SELECT coalesce(?::timestamptz, now()) AS now)
SELECT name, spec, kind, queue, args::text, priority, max_attempts, misfire_policy, next_fire_at,
       clock.now
  FROM {schema}.schedules, clock
 WHERE next_fire_at <= clock.now
 ORDER BY next_fire_at;

-- name: advance_schedule
-- Compare-and-swap on next_fire_at: of two leaders firing the same tick, the second matches no row
-- (it waits on the first's row lock, then re-checks the predicate) and rolls back its jobs.
-- Binds: 1 new next_fire_at, 2 name, 3 expected next_fire_at.
UPDATE {schema}.schedules
   SET next_fire_at = ?, last_fired_at = now()
 WHERE name = ? AND next_fire_at = ?;

-- name: list_schedules
SELECT name, spec, kind, queue, misfire_policy, next_fire_at, last_fired_at
  FROM {schema}.schedules ORDER BY name;
