-- Periodic jobs. {schema} is the validated, quoted schema; every value is bound.

-- name: upsert_schedule
-- A node registering its periodic jobs. An unchanged spec and zone keep their next_fire_at, so
-- restarts and other nodes registering the same schedule never move or repeat a tick. Operator state
-- (paused, fire_orphaned) is never written here: it survives every registration.
-- Binds: 1 name, 2 spec, 3 kind, 4 queue, 5 args JSON, 6 priority, 7 max_attempts, 8 misfire
-- policy, 9 next_fire_at if new or changed, 10 time zone.
INSERT INTO {schema}.schedules AS s (name, spec, kind, queue, args, priority, max_attempts,
                                     misfire_policy, next_fire_at, time_zone, updated_at)
VALUES (?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, now())
ON CONFLICT (name) DO UPDATE
   SET kind = excluded.kind, queue = excluded.queue, args = excluded.args,
       priority = excluded.priority, max_attempts = excluded.max_attempts,
       misfire_policy = excluded.misfire_policy,
       next_fire_at = CASE WHEN (s.spec, s.time_zone) = (excluded.spec, excluded.time_zone)
                           THEN s.next_fire_at ELSE excluded.next_fire_at END,
       spec = excluded.spec, time_zone = excluded.time_zone,
       updated_at = now()
 WHERE (s.spec, s.time_zone, s.kind, s.queue, s.args, s.priority, s.max_attempts, s.misfire_policy)
       IS DISTINCT FROM (excluded.spec, excluded.time_zone, excluded.kind, excluded.queue,
                         excluded.args, excluded.priority, excluded.max_attempts,
                         excluded.misfire_policy);

-- name: refresh_registrations
-- This node still registers these schedules: one row per (schedule, node), its time refreshed. Only
-- schedules that exist: one an operator deleted stays deleted until a node starts with it again.
-- Binds: 1 node id, 2 names text[].
INSERT INTO {schema}.schedule_registrations AS r (name, node_id, registered_at)
SELECT s.name, ?, now() FROM {schema}.schedules s WHERE s.name = ANY(?::text[])
ON CONFLICT (name, node_id) DO UPDATE SET registered_at = now();

-- name: drop_registrations
-- A node stopping. Binds: 1 node id.
DELETE FROM {schema}.schedule_registrations WHERE node_id = ?;

-- name: prune_registrations
-- Registrations far older than the orphan bound (their node died without deregistering), so the
-- table holds only nodes that may still come back. Binds: 1 age in ms.
DELETE FROM {schema}.schedule_registrations
 WHERE registered_at < now() - ? * interval '1 millisecond';

-- name: due_schedules
-- Schedules with a tick due, and the clock they are due by: the database's (the one truth every
-- node shares), or the instant a test fires them as of (Millrace.firePeriodicJobs). Paused schedules
-- never fire; orphaned ones (no registration fresher than the bound, by the database's real clock)
-- fire only when an operator said so.
-- Binds: 1 the instant to fire as of, or null for the database's now(); 2 orphan bound in ms.
WITH clock AS (SELECT coalesce(?::timestamptz, now()) AS now)
SELECT name, spec, kind, queue, args::text, priority, max_attempts, misfire_policy, next_fire_at,
       clock.now, time_zone
  FROM {schema}.schedules s, clock
 WHERE next_fire_at <= clock.now
   AND NOT s.paused
   AND (s.fire_orphaned OR EXISTS (
         SELECT 1 FROM {schema}.schedule_registrations r
          WHERE r.name = s.name AND r.registered_at >= now() - ? * interval '1 millisecond'))
 ORDER BY next_fire_at;

-- name: advance_schedule
-- Compare-and-swap on next_fire_at: of two leaders firing the same tick, the second matches no row
-- (it waits on the first's row lock, then re-checks the predicate) and rolls back its jobs. The same
-- re-check sees a pause committed meanwhile: a paused schedule's tick fires only if the tick won
-- the row lock first.
-- Binds: 1 new next_fire_at, 2 name, 3 expected next_fire_at.
UPDATE {schema}.schedules
   SET next_fire_at = ?, last_fired_at = now()
 WHERE name = ? AND next_fire_at = ? AND NOT paused;

-- name: record_last_job
-- In the firing transaction, after its jobs. Binds: 1 job id, 2 name.
UPDATE {schema}.schedules SET last_job_id = ? WHERE name = ?;

-- name: list_schedules
-- Every schedule with its live registrations (fresher than the bound) and the newest of any.
-- Binds: 1 orphan bound in ms, 2 name or null for all.
SELECT s.name, s.spec, s.time_zone, s.kind, s.queue, s.misfire_policy, s.next_fire_at,
       s.last_fired_at, s.last_job_id, s.paused, s.fire_orphaned, s.trigger_count,
       coalesce(array_agg(r.node_id ORDER BY r.node_id)
                FILTER (WHERE r.registered_at >= now() - ? * interval '1 millisecond'),
                '{}') AS live_nodes,
       max(r.registered_at) AS last_registered_at, now() AS now
  FROM {schema}.schedules s
  LEFT JOIN {schema}.schedule_registrations r ON r.name = s.name
 WHERE ?::text IS NULL OR s.name = ?::text
 GROUP BY s.name
 ORDER BY s.name;

-- name: pause_schedule
-- Takes the row lock a firing tick's compare-and-swap takes: either the tick committed first (it
-- fired) or it re-checks, sees the pause and fires nothing. Binds: 1 name.
UPDATE {schema}.schedules SET paused = true, updated_at = now() WHERE name = ? RETURNING name;

-- name: lock_schedule
-- An operator's resume or trigger: the row, locked against a tick firing it meanwhile, and the
-- database's clock. Binds: 1 name.
SELECT spec, time_zone, next_fire_at, paused, kind, queue, args::text, priority, max_attempts,
       trigger_count, now()
  FROM {schema}.schedules WHERE name = ? FOR UPDATE;

-- name: resume_schedule
-- Binds: 1 next_fire_at (ticks that fell due while paused are skipped), 2 whether it fires while
-- orphaned (an operator resuming an orphaned schedule says it should), 3 name.
UPDATE {schema}.schedules
   SET paused = false, next_fire_at = ?, fire_orphaned = ?, updated_at = now()
 WHERE name = ?;

-- name: set_fire_orphaned
-- Binds: 1 flag, 2 name.
UPDATE {schema}.schedules SET fire_orphaned = ?, updated_at = now() WHERE name = ? RETURNING name;

-- name: record_trigger
-- In the trigger's transaction, holding the row lock. Binds: 1 job id, 2 name.
UPDATE {schema}.schedules
   SET trigger_count = trigger_count + 1, last_job_id = ?, last_fired_at = now()
 WHERE name = ?;

-- name: live_registrations
-- Binds: 1 name, 2 orphan bound in ms.
SELECT count(*) FROM {schema}.schedule_registrations
 WHERE name = ? AND registered_at >= now() - ? * interval '1 millisecond';

-- name: delete_schedule
-- Its registrations go with it (ON DELETE CASCADE). Binds: 1 name.
DELETE FROM {schema}.schedules WHERE name = ?;
