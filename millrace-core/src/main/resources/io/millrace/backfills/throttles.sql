-- Built-in throttles' probes (PostgreSQL targets only). Each is one cheap catalog read per batch.

-- name: replication_lag
-- Seconds the slowest streaming replica is behind in replaying WAL; 0 without replicas. replay_lag
-- is what readers on a replica feel (gh-ost and pt-online-schema-change throttle on the same signal).
SELECT coalesce(max(extract(epoch FROM replay_lag)), 0) FROM pg_stat_replication

-- name: lock_waiters
-- Binds: table name as written (resolved through search_path). Sessions waiting for a lock on the
-- backfilled table: the application's own statements queueing behind the batches.
SELECT count(*) FROM pg_locks WHERE relation = to_regclass(?) AND NOT granted
