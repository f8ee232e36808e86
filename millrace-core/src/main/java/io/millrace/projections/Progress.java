package io.millrace.projections;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * A runner's progress figures: events applied, the apply rate over the last second or so, the
 * catch-up clock, and the lag (events committed after the checkpoint). The lag is a count capped at
 * {@link #LAG_CAP} and refreshed at most once a second, and no more often than twenty times its own
 * cost, so measuring a huge backlog never competes with working it off.
 */
final class Progress {
  /** A lag beyond this is shown as this (a count of a huge backlog costs a scan of it). */
  static final long LAG_CAP = 10_000_000;

  private final EventStore events;
  private final DataSource dataSource;
  private volatile long lag = -1;
  private volatile double rate;
  private volatile long applied;
  private long catchUpStart;
  private long nextLagRefresh;
  private long rateAt;
  private long rateApplied;

  Progress(EventStore events, DataSource dataSource) {
    this.events = events;
    this.dataSource = dataSource;
  }

  long lag() {
    return lag;
  }

  double rate() {
    return rate;
  }

  long applied() {
    return applied;
  }

  void startCatchUp() {
    catchUpStart = System.nanoTime();
    nextLagRefresh = 0;
  }

  Duration sinceCatchUpStart() {
    return Duration.ofNanos(System.nanoTime() - catchUpStart);
  }

  void applied(int events) {
    applied += events;
  }

  void caughtUp() {
    lag = 0;
  }

  /** Recounts the lag when due (or {@code now}); returns whether it did. */
  boolean refreshLag(LogPosition checkpoint, boolean now) throws SQLException {
    updateRate();
    if (!now && System.nanoTime() < nextLagRefresh) {
      return false;
    }
    long started = System.nanoTime();
    try (Connection c = dataSource.getConnection()) {
      lag = events.countAfter(c, checkpoint, LAG_CAP);
    }
    long cost = System.nanoTime() - started;
    nextLagRefresh = System.nanoTime() + Math.max(1_000_000_000L, 20 * cost);
    return true;
  }

  private void updateRate() {
    long now = System.nanoTime();
    if (rateAt == 0) {
      rateAt = now;
      rateApplied = applied;
      return;
    }
    if (now - rateAt >= 1_000_000_000L) {
      rate = (applied - rateApplied) * 1e9 / (now - rateAt);
      rateAt = now;
      rateApplied = applied;
    }
  }
}
