package io.millrace.backfills;

import com.fasterxml.jackson.annotation.JsonValue;
import io.millrace.base.ValidationException;
import java.util.Locale;

/**
 * Where a backfill is in its life. {@code pending → running → succeeded} is the normal path; a
 * running backfill whose node dies stays {@code running} until its lease expires and another node
 * takes it (from the cursor). {@code failed} keeps the cursor and the error; {@code retry} makes it
 * pending again. An operator may pause (pending or running → paused), resume (paused → pending) and
 * cancel (anything not finished → cancelled; {@code retry} resumes a cancelled one too).
 */
public enum BackfillState {
  PENDING,
  RUNNING,
  PAUSED,
  SUCCEEDED,
  FAILED,
  CANCELLED;

  /** The name stored in the database and shown by the API and CLI: lower case. */
  @JsonValue
  public String dbName() {
    return name().toLowerCase(Locale.ROOT);
  }

  static BackfillState fromDb(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }

  /** Parses user input, naming {@code field} when it is not a state. */
  public static BackfillState parse(String field, String value) {
    try {
      return fromDb(value.trim());
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new ValidationException(
          field,
          "'"
              + value
              + "' is not a backfill state"
              + " (pending, running, paused, succeeded, failed, cancelled)");
    }
  }
}
