package io.millrace.backfills;

import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/**
 * Asked before every batch whether the backfill should wait. Any throttle that answers with a
 * reason holds the batch back; the runner re-asks until all are clear, keeping its lease meanwhile,
 * and shows the reason as {@code throttled_by}. A throttle that throws counts as a failed attempt:
 * a broken safety check never silently lets work through. See {@link Throttles} for the built-ins.
 */
@FunctionalInterface
public interface Throttle {
  /** Why to wait now, or {@code null} to go ahead. Must be cheap: it runs before every batch. */
  @Nullable String check(Target target) throws SQLException;

  /** What a throttle may look at: the target database and the backfilled table. */
  interface Target {
    javax.sql.DataSource dataSource();

    /** The backfilled table as written in the definition (validated; possibly schema-qualified). */
    String table();

    /** True when the target is PostgreSQL (false: SQLite). */
    boolean postgres();
  }
}
