package io.millrace.jobs;

import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import java.util.Locale;

/**
 * Where a job is in its life. The first five live in the hot {@code jobs} table; the last four are
 * terminal and live in {@code job_history}.
 */
public enum JobState {
  /** Due now and waiting for a worker. */
  AVAILABLE,
  /** Waiting for its run-at time (scheduled, delayed or snoozed). */
  SCHEDULED,
  /** Failed at least once and waiting for its backoff to pass. */
  RETRYABLE,
  /** Claimed by a worker whose lease has not expired. */
  RUNNING,
  /** A workflow member waiting for its parents; not claimable until its join is met. */
  PENDING,
  /** The handler returned normally. Terminal. */
  COMPLETED,
  /** Every attempt failed, or the failure could not be retried. Terminal. */
  FAILED,
  /** Cancelled by an operator or by the handler. Terminal. */
  CANCELLED,
  /** A workflow member whose parents can no longer meet its join; it never ran. Terminal. */
  SKIPPED;

  public String dbValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  public boolean terminal() {
    return this == COMPLETED || this == FAILED || this == CANCELLED || this == SKIPPED;
  }

  public static JobState fromDb(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }

  /** Parses user input (API, CLI), naming the field on failure. */
  public static JobState parse(String field, String value) {
    try {
      return fromDb(value.trim());
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new ValidationException(
          field,
          "'"
              + Storable.shown(value)
              + "' is not a job state; use one of "
              + java.util.Arrays.toString(values()).toLowerCase(Locale.ROOT));
    }
  }
}
