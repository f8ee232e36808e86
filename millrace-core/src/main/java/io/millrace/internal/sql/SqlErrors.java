package io.millrace.internal.sql;

import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.IdentityHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Which database errors go away by themselves. A loop that retries a write may retry these until
 * they pass; any other error says something about the statement or its values and fails the same
 * way every time, so retrying it only blocks whatever waits behind it.
 *
 * <p>Transient: connection failures (SQLSTATE class 08, and driver or pool errors with no state
 * caused by I/O), serialization failures (40001), deadlocks (40P01), lock timeouts (55P03), a
 * cancelled statement (57014), the server shutting down or starting (57P01, 57P02, 57P03), and
 * resource shortages (class 53: too many connections, out of memory, disk full; class 58: I/O).
 */
public final class SqlErrors {
  private SqlErrors() {}

  /** True when {@code error} (or anything it wraps) is a database error that passes by itself. */
  public static boolean isTransient(Throwable error) {
    Map<Throwable, Boolean> seen = new IdentityHashMap<>();
    for (Throwable t = error; t != null && seen.put(t, true) == null; t = next(t)) {
      if (t instanceof SQLTransientException
          || t instanceof SQLRecoverableException
          || t instanceof SQLNonTransientConnectionException
          || t instanceof IOException) {
        return true;
      }
      if (t instanceof SQLException sql && isTransientState(sql.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  /** True for the SQLSTATEs listed in the class comment. */
  public static boolean isTransientState(String state) {
    if (state == null || state.length() != 5) {
      return false;
    }
    return state.startsWith("08")
        || state.startsWith("53")
        || state.startsWith("58")
        || state.equals("40001")
        || state.equals("40P01")
        || state.equals("55P03")
        || state.equals("57014")
        || state.equals("57P01")
        || state.equals("57P02")
        || state.equals("57P03");
  }

  /** The SQLSTATE of the first SQL error in the chain, or null; for log lines and messages. */
  public static @Nullable String state(Throwable error) {
    Map<Throwable, Boolean> seen = new IdentityHashMap<>();
    for (Throwable t = error; t != null && seen.put(t, true) == null; t = next(t)) {
      if (t instanceof SQLException sql && sql.getSQLState() != null) {
        return sql.getSQLState();
      }
    }
    return null;
  }

  private static @Nullable Throwable next(Throwable t) {
    if (t instanceof SQLException sql && sql.getNextException() != null) {
      return sql.getNextException();
    }
    return t.getCause();
  }
}
