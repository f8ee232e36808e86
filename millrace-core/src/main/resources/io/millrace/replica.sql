-- How far a streaming replica is behind its primary (see ReplicaLag). Neither statement reads
-- Millrace's tables; {schema} is unused.

-- name: primary_position
-- On the primary: how far it has written WAL. Every commit it has acknowledged is at or below
-- this position (a synchronous commit flushes its WAL before it answers). No binds.
SELECT pg_current_wal_lsn()::text;

-- name: replica_position
-- On the replica: whether it is a standby at all, whether it has replayed everything the primary
-- had written when primary_position was read (then it is caught up, however old its last replayed
-- commit is: an idle primary commits nothing, so the replay timestamp alone would stall and grow),
-- and otherwise the age of its newest replayed commit: an upper bound on how stale it is, since
-- what it has not replayed was committed after that commit. NULL when it has replayed no commit
-- since it started. Binds: 1 the primary's position (text, as primary_position returned it).
SELECT pg_is_in_recovery(),
       coalesce(pg_last_wal_replay_lsn() >= ?::pg_lsn, false),
       (extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000000)::bigint;
