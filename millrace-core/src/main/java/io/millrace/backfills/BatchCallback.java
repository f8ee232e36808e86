package io.millrace.backfills;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * A batch body written in Java. It runs inside Millrace's transaction on the target database and
 * must neither commit, roll back nor change auto-commit: Millrace commits the batch together with
 * the cursor and the progress counters, or none of them. It should touch only the rows of {@code
 * range} (use {@link KeyRange#predicate()}), and it may run again for the same range only if its
 * transaction did not commit.
 */
@FunctionalInterface
public interface BatchCallback {
  /** Processes {@code range}; returns how many rows it changed (for progress; 0 is fine). */
  long apply(Connection connection, KeyRange range) throws SQLException;
}
