package io.millrace.projections;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * One runner's view of whether committed events wait behind the read horizon, and since when: the
 * staleness of a projection that has read everything it may read. A hold starts when a page comes
 * back empty while committed events lie after the checkpoint, and ends once the checkpoint has
 * passed the last event that was waiting then (so a steady stream of appends, each read a moment
 * after it commits, never adds up to a long hold), or when nothing lies after the checkpoint. Its
 * start is also written to the projection's row, so that every node's query guard sees it.
 */
final class HorizonHold {
  private final String name;
  private final Duration budget;
  private final ProjectionStore store;
  private final EventStore events;
  private final DataSource dataSource;

  /** System.nanoTime() when the hold started; 0 when not held. */
  private volatile long since;

  // The position the hold waits for; null when not held.
  private @Nullable LogPosition until;

  HorizonHold(
      Projection projection, ProjectionStore store, EventStore events, DataSource dataSource) {
    this.name = projection.name();
    this.budget = projection.stalenessBudget();
    this.store = store;
    this.events = events;
    this.dataSource = dataSource;
  }

  /** How long committed events have waited behind the horizon; zero when none wait. */
  Duration heldFor() {
    long s = since;
    return s == 0 ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - s);
  }

  /** A new lease holder starts afresh: a previous holder's hold may be long over. */
  void reset(long token) throws SQLException {
    since = 0;
    until = null;
    store.releaseHold(name, token);
  }

  /**
   * After an empty page: starts a hold if committed events lie after the checkpoint, or ends it.
   */
  void emptyPage(LogPosition checkpoint, long token) throws SQLException {
    Optional<LogPosition> last;
    try (Connection c = dataSource.getConnection()) {
      last = events.lastAfter(c, checkpoint);
    }
    if (last.isEmpty()) {
      end(token);
    } else if (since == 0) {
      store.hold(name, token, budget);
      until = last.get();
      since = System.nanoTime();
    }
  }

  /** After a page: the hold ends once the checkpoint passed every event found waiting. */
  void advanced(LogPosition checkpoint, long token) throws SQLException {
    LogPosition waitingFor = until;
    if (since != 0 && waitingFor != null && checkpoint.compareTo(waitingFor) >= 0) {
      end(token);
    }
  }

  private void end(long token) throws SQLException {
    if (since != 0) {
      store.releaseHold(name, token);
      since = 0;
      until = null;
    }
  }
}
