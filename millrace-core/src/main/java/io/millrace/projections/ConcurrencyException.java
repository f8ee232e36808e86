package io.millrace.projections;

import io.millrace.base.MillraceException;
import java.sql.SQLException;
import java.util.Set;

/**
 * An append lost a race for its stream: its expected version did not match (another writer appended
 * first, or the stream does (not) exist), or a concurrent append to the stream committed after the
 * snapshot of the caller's REPEATABLE READ or SERIALIZABLE transaction (SQLSTATE 40001), or the two
 * deadlocked (40P01). Nothing of the append was written. Re-read the stream, decide again, and
 * append with the new version.
 *
 * <p>When {@link #transactionAborted()} is true PostgreSQL has aborted the caller's transaction:
 * roll it back and run it again from the start (its snapshot cannot see the winner's append, so
 * {@link #actual()} is {@link #UNKNOWN}). An append in a transaction of its own runs at READ
 * COMMITTED whatever the pool's default, so there it is always the plain version mismatch.
 */
public final class ConcurrencyException extends MillraceException {
  private static final long serialVersionUID = 1L;

  /** {@link #actual()} when the aborted transaction could not read the stream's version. */
  public static final long UNKNOWN = -1;

  /**
   * Serialization failure, deadlock, and a unique key of the stream taken by a concurrent append.
   */
  private static final Set<String> RACE_STATES = Set.of("40001", "40P01", "23505");

  private final String stream;
  private final long expected;
  private final long actual;
  private final boolean transactionAborted;

  ConcurrencyException(String stream, long expected, long actual) {
    super(
        "stream '"
            + stream
            + "': expected version "
            + describe(expected)
            + " but it is at "
            + describe(actual));
    this.stream = stream;
    this.expected = expected;
    this.actual = actual;
    this.transactionAborted = false;
  }

  private ConcurrencyException(String stream, long expected, SQLException cause) {
    super(
        "stream '"
            + stream
            + "': expected version "
            + describe(expected)
            + " but a concurrent append to it won (SQLSTATE "
            + cause.getSQLState()
            + "); the transaction was aborted: roll it back and retry",
        cause);
    this.stream = stream;
    this.expected = expected;
    this.actual = UNKNOWN;
    this.transactionAborted = true;
  }

  /** The conflict an append's SQL error stands for, or empty when it is some other failure. */
  static java.util.Optional<ConcurrencyException> of(String stream, long expected, SQLException e) {
    return RACE_STATES.contains(e.getSQLState())
        ? java.util.Optional.of(new ConcurrencyException(stream, expected, e))
        : java.util.Optional.empty();
  }

  public String stream() {
    return stream;
  }

  public long expected() {
    return expected;
  }

  /**
   * The stream's version when the append looked; 0 when it does not exist; {@link #UNKNOWN} when
   * the transaction was aborted.
   */
  public long actual() {
    return actual;
  }

  /** Whether PostgreSQL aborted the transaction the append ran in: roll back, then retry it all. */
  public boolean transactionAborted() {
    return transactionAborted;
  }

  private static String describe(long version) {
    return version == EventStore.ANY
        ? "any"
        : version == 0 ? "0 (no stream)" : Long.toString(version);
  }
}
