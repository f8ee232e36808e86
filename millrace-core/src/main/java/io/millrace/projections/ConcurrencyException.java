package io.millrace.projections;

import io.millrace.MillraceException;

/**
 * An append's expected version did not match its stream: another writer appended first (or the
 * stream does (not) exist). Nothing of the append was written. Re-read the stream, decide again,
 * and append with the new version.
 */
public final class ConcurrencyException extends MillraceException {
  private static final long serialVersionUID = 1L;
  private final String stream;
  private final long expected;
  private final long actual;

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
  }

  public String stream() {
    return stream;
  }

  public long expected() {
    return expected;
  }

  /** The stream's version when the append looked; 0 when it does not exist. */
  public long actual() {
    return actual;
  }

  private static String describe(long version) {
    return version == 0 ? "0 (no stream)" : Long.toString(version);
  }
}
