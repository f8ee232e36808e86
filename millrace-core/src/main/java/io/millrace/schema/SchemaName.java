package io.millrace.schema;

import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import java.util.regex.Pattern;

/**
 * The PostgreSQL schema that holds Millrace's tables. Validated as a plain lower-case identifier so
 * it can be quoted into SQL text safely: everything else in Millrace's SQL is a bound parameter.
 */
public record SchemaName(String value) {
  private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,47}");

  public SchemaName {
    if (value == null || !IDENTIFIER.matcher(value).matches()) {
      throw new ValidationException(
          "schema",
          "'"
              + Storable.shown(value)
              + "' is not a valid schema name: use 1-48 characters of a-z, 0-9 and _, not"
              + " starting with a digit");
    }
    if (value.startsWith("pg_")) {
      throw new ValidationException(
          "schema", "'" + Storable.shown(value) + "' is reserved by PostgreSQL (pg_ prefix)");
    }
  }

  public static SchemaName of(String value) {
    return new SchemaName(value);
  }

  /** The identifier quoted for SQL text. */
  public String quoted() {
    return '"' + value + '"';
  }

  /** The LISTEN/NOTIFY channel that announces new jobs in this schema. */
  public String jobsChannel() {
    return "millrace_jobs_" + value;
  }

  /** The LISTEN/NOTIFY channel that asks the node running a job to cancel it (payload: job id). */
  public String cancelChannel() {
    return "millrace_cancel_" + value;
  }

  /** The LISTEN/NOTIFY channel that announces workflow completion events (payload: event id). */
  public String workflowsChannel() {
    return "millrace_wf_" + value;
  }

  /** A stable key for the session advisory lock that elects this schema's leader. */
  public long leaderLockKey() {
    long hash = 0xcbf29ce484222325L; // FNV-1a: stable across JVMs and releases, unlike hashCode
    for (byte b : ("millrace.leader." + value).getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      hash ^= b;
      hash *= 0x100000001b3L;
    }
    return hash;
  }

  @Override
  public String toString() {
    return value;
  }
}
