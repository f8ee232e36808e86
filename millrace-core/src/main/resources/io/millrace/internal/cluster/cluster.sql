-- Cluster statements: node registry, leadership bookkeeping and the leader's maintenance.
-- {schema} is the validated, quoted schema; every value is bound.

-- name: register_node
-- Binds: 1 id, 2 host, 3 pid, 4 queues text[], 5 kinds text[].
INSERT INTO {schema}.nodes (id, host, pid, queues, kinds, started_at, heartbeat_at)
VALUES (?, ?, ?, ?::text[], ?::text[], now(), now())
ON CONFLICT (id) DO UPDATE
   SET host = excluded.host, pid = excluded.pid, queues = excluded.queues, kinds = excluded.kinds,
       heartbeat_at = now();

-- name: heartbeat_node
-- Binds: 1 id. Zero rows means the leader pruned this node as dead: it registers again.
UPDATE {schema}.nodes SET heartbeat_at = now() WHERE id = ?;

-- name: deregister_node
-- Binds: 1 id.
DELETE FROM {schema}.nodes WHERE id = ?;

-- name: list_nodes
SELECT n.id, n.host, n.pid, n.queues, n.kinds, n.started_at, n.heartbeat_at,
       n.id = c.leader_node AS leader
  FROM {schema}.nodes n CROSS JOIN {schema}.control c
 ORDER BY n.started_at, n.id;

-- name: prune_nodes
-- Binds: 1 silence ms after which a node is considered gone.
DELETE FROM {schema}.nodes WHERE heartbeat_at < now() - ? * interval '1 millisecond' RETURNING id;

-- name: try_lead
-- Session-level advisory lock: held until released or until the session ends (the node died or
-- lost its connection), which is what moves leadership. Binds: 1 key.
SELECT pg_try_advisory_lock(?);

-- name: unlock_lead
-- Binds: 1 key.
SELECT pg_advisory_unlock(?);

-- name: record_leader
-- Binds: 1 node id.
UPDATE {schema}.control SET leader_node = ?, leader_since = now();
