-- Millrace schema, version 7: history changed behind the counters' back clears the trust marker in
-- the same transaction, so no exact read serves totals that no longer describe history.
-- ${schema} is the configured schema, validated as an identifier and quoted before substitution.

-- Why the marker was last cleared (null while trusted), so the operator reading "untrusted" also
-- reads what to look at.
ALTER TABLE ${schema}.control ADD COLUMN counters_untrusted_because text;

-- Clears the marker; recreates the control row if someone deleted it (untrusted: nothing vouches
-- for counters nobody was watching). Only writes when the marker is set, so repeated firings in one
-- statement (a TRUNCATE of the whole history fires once per partition) cost one row version.
CREATE FUNCTION ${schema}.distrust_counters(reason text) RETURNS void LANGUAGE sql AS $$
    INSERT INTO ${schema}.control AS c (singleton, counters_trusted, counters_marked_at, counters_untrusted_because)
    VALUES (true, false, now(), reason)
    ON CONFLICT (singleton) DO UPDATE
       SET counters_trusted = false, counters_marked_at = now(), counters_untrusted_because = excluded.counters_untrusted_because
     WHERE c.counters_trusted;
$$;

-- Millrace's own statements that remove history keep the counters (or the rollup) right in the same
-- transaction, and say so with set_config('millrace.counted', 'on', true), a transaction-local
-- setting: retention's prune and partition moves, an operator's retry of a finished job. Anything
-- else that removes, adds or re-labels history rows did not touch the counters.
CREATE FUNCTION ${schema}.history_counted() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('millrace.counted', true), '') = 'on';
$$;

-- AFTER DELETE, per statement, with the removed rows: a DELETE that removed nothing is harmless.
CREATE FUNCTION ${schema}.history_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT ${schema}.history_counted() AND EXISTS (SELECT 1 FROM removed) THEN
        PERFORM ${schema}.distrust_counters('DELETE on ' || TG_TABLE_NAME || ' outside Millrace');
    END IF;
    RETURN NULL;
END;
$$;

-- AFTER INSERT on partitions only: Millrace's finishing statements insert through job_history
-- itself, whose statement-level triggers are the only ones that fire for them, so this never runs
-- on the hot path (and job_history carries no INSERT trigger for the same reason).
CREATE FUNCTION ${schema}.history_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT ${schema}.history_counted() AND EXISTS (SELECT 1 FROM added) THEN
        PERFORM ${schema}.distrust_counters('INSERT into ' || TG_TABLE_NAME || ' outside Millrace');
    END IF;
    RETURN NULL;
END;
$$;

-- AFTER UPDATE: Millrace never updates history, so only a hand UPDATE fires this. It matters only
-- if rows changed queue or state (a per-(queue, state) multiset comparison of before and after).
CREATE FUNCTION ${schema}.history_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT ${schema}.history_counted() AND EXISTS (
        (SELECT queue, state FROM before_update EXCEPT ALL SELECT queue, state FROM after_update)
        UNION ALL
        (SELECT queue, state FROM after_update EXCEPT ALL SELECT queue, state FROM before_update)) THEN
        PERFORM ${schema}.distrust_counters('UPDATE of queue or state on ' || TG_TABLE_NAME || ' outside Millrace');
    END IF;
    RETURN NULL;
END;
$$;

-- BEFORE TRUNCATE (TRUNCATE has no transition tables): clears only if the table still has rows.
-- TRUNCATE of a parent fires this on the parent and on every partition it empties.
CREATE FUNCTION ${schema}.history_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    had_rows boolean;
BEGIN
    IF NOT ${schema}.history_counted() THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I)', TG_TABLE_SCHEMA, TG_TABLE_NAME) INTO had_rows;
        IF had_rows THEN
            PERFORM ${schema}.distrust_counters('TRUNCATE of ' || TG_TABLE_NAME || ' outside Millrace');
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

-- Statement-level triggers of a partitioned table fire only for statements that name it, so every
-- table of the history tree carries its own. This adds the missing ones and returns how many tables
-- it guarded. HistoryRetention calls it in the transaction that creates a day partition, and the
-- leader on every partition pass, which also catches partitions attached by hand. With
-- suspect_rows, a newly guarded leaf that already holds rows clears the marker: nothing vouches
-- that those rows were counted.
CREATE FUNCTION ${schema}.guard_history(suspect_rows boolean) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    t record;
    guarded integer := 0;
    had_rows boolean;
BEGIN
    FOR t IN SELECT p.relid, p.isleaf, p.level
               FROM pg_partition_tree('${schema}.job_history'::regclass) p
              WHERE NOT EXISTS (SELECT 1 FROM pg_trigger g
                                 WHERE g.tgrelid = p.relid AND g.tgname = 'millrace_history_deleted')
    LOOP
        EXECUTE format('CREATE TRIGGER millrace_history_deleted AFTER DELETE ON %s'
                       ' REFERENCING OLD TABLE AS removed FOR EACH STATEMENT'
                       ' EXECUTE FUNCTION ${schema}.history_deleted()', t.relid);
        EXECUTE format('CREATE TRIGGER millrace_history_updated AFTER UPDATE ON %s'
                       ' REFERENCING OLD TABLE AS before_update NEW TABLE AS after_update'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION ${schema}.history_updated()', t.relid);
        EXECUTE format('CREATE TRIGGER millrace_history_truncated BEFORE TRUNCATE ON %s'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION ${schema}.history_truncated()', t.relid);
        IF t.level > 0 THEN
            EXECUTE format('CREATE TRIGGER millrace_history_inserted AFTER INSERT ON %s'
                           ' REFERENCING NEW TABLE AS added FOR EACH STATEMENT'
                           ' EXECUTE FUNCTION ${schema}.history_inserted()', t.relid);
        END IF;
        IF suspect_rows AND t.isleaf THEN
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', t.relid) INTO had_rows;
            IF had_rows THEN
                PERFORM ${schema}.distrust_counters('rows in ' || t.relid::text || ', attached outside Millrace');
            END IF;
        END IF;
        guarded := guarded + 1;
    END LOOP;
    RETURN guarded;
END;
$$;

SELECT ${schema}.guard_history(false);
