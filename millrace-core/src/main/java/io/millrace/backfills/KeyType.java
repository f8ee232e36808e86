package io.millrace.backfills;

/**
 * The type of a backfill's ordered unique key, which decides how the cursor is read, bound and
 * stored (as text in the state tables). Any column whose order the database's index follows works:
 * integers of any width, and text (ordered by the column's collation, the same one the index uses).
 */
public enum KeyType {
  /** smallint, integer, bigint (PostgreSQL) or INTEGER / rowid (SQLite). Default. */
  INTEGER,
  /** text, varchar, uuid as text: any key compared as a string by the database. */
  TEXT
}
