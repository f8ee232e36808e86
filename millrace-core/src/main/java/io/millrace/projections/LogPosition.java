package io.millrace.projections;

import io.millrace.base.ValidationException;

/**
 * A place in the event log: the writing transaction's id and the event's position. The log is read
 * in this order, so a checkpoint is one of these; {@link #START} comes before every event.
 */
public record LogPosition(long xid, long position) implements Comparable<LogPosition> {
  public static final LogPosition START = new LogPosition(0, 0);

  public LogPosition {
    if (xid < 0 || position < 0) {
      throw new ValidationException("position", "xid and position must be zero or positive");
    }
  }

  /** Parses the {@code xid:position} form that {@link #toString()} writes. */
  public static LogPosition parse(String text) {
    int colon = text == null ? -1 : text.indexOf(':');
    if (colon < 1) {
      throw new ValidationException("position", "'" + text + "' is not of the form xid:position");
    }
    try {
      return new LogPosition(
          Long.parseLong(text.substring(0, colon)), Long.parseLong(text.substring(colon + 1)));
    } catch (NumberFormatException e) {
      throw new ValidationException("position", "'" + text + "' is not of the form xid:position");
    }
  }

  @Override
  public int compareTo(LogPosition other) {
    int byXid = Long.compare(xid, other.xid);
    return byXid != 0 ? byXid : Long.compare(position, other.position);
  }

  @Override
  public String toString() {
    return xid + ":" + position;
  }
}
