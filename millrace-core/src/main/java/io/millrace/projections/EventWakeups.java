package io.millrace.projections;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens for appends (and operator requests) on the event channel on one dedicated connection and
 * wakes this node's projection runners. A wake-up only shortens the wait: runners poll as well and
 * read from their durable checkpoints, so a lost notification or a pooler without LISTEN costs
 * latency, never an event.
 *
 * <p>Termination: {@link #close()} ends the loop within one wait. A broken connection is replaced
 * after a growing pause, waking the runners in the meantime is left to their polling.
 */
final class EventWakeups implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(EventWakeups.class);
  private static final int WAIT_MS = 250;

  private final DataSource dataSource;
  private final String channel;
  private final Runnable onWake;
  private volatile boolean running = true;

  EventWakeups(DataSource dataSource, String channel, Runnable onWake) {
    this.dataSource = dataSource;
    this.channel = channel;
    this.onWake = onWake;
  }

  void close() {
    running = false;
  }

  @Override
  public void run() {
    long pauseMs = 200;
    while (running) {
      try (Connection c = dataSource.getConnection()) {
        c.setAutoCommit(true);
        try (Statement s = c.createStatement()) {
          s.execute("LISTEN \"" + channel + "\"");
        }
        PGConnection pg = c.unwrap(PGConnection.class);
        pauseMs = 200;
        while (running) {
          PGNotification[] notes = pg.getNotifications(WAIT_MS);
          if (notes != null && notes.length > 0) {
            onWake.run();
          }
        }
        try (Statement s = c.createStatement()) {
          s.execute("UNLISTEN *");
        }
      } catch (SQLException | RuntimeException e) {
        if (!running) {
          return;
        }
        log.warn(
            "projection LISTEN connection failed, polling only until it is back (retry in {} ms): {}",
            pauseMs,
            e.getMessage());
        try {
          Thread.sleep(pauseMs);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
        pauseMs = Math.min(pauseMs * 2, 10_000);
      }
    }
  }
}
