-- Statements of the phase driver. It reads other systems' tables, so nothing here names a schema
-- of its own ({schema} is unused).

-- name: dead_tuples
-- Dead tuples of the named tables (schema-qualified names, as an adapter's descriptor lists them),
-- partitions included: pg_partition_tree yields every partition below a partitioned table (and
-- nothing for a plain one, hence the table itself as well). A name that does not resolve counts
-- nothing.
WITH named AS (
  SELECT to_regclass(n.name) AS relid FROM unnest(?::text[]) AS n(name)
)
SELECT coalesce(sum(s.n_dead_tup), 0)
FROM pg_stat_user_tables s
WHERE s.relid IN (
  SELECT relid FROM named
  UNION
  SELECT t.relid FROM named CROSS JOIN LATERAL pg_partition_tree(named.relid) AS t
);

-- name: snapshot
-- Taken inside the idle transaction: a transaction id assigned, so the snapshot holds back the
-- xmin horizon of this database until the transaction ends.
SELECT txid_current();
