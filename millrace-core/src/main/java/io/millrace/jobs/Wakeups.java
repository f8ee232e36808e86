package io.millrace.jobs;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on one dedicated connection for new-job notifications (payload: the queue) and cancel
 * notifications (payload: the job id). Notifications only shorten latency: workers poll as well, so
 * a dropped connection or a pooler without LISTEN costs speed, never correctness.
 *
 * <p>Termination: {@link #close} ends the loop within one wait interval. A broken connection is
 * replaced after a growing pause.
 */
final class Wakeups implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Wakeups.class);
  private static final int WAIT_MS = 250;

  private final DataSource dataSource;
  private final String jobsChannel;
  private final String cancelChannel;
  private final Consumer<String> onJobs;
  private final Consumer<Long> onCancel;
  private volatile boolean running = true;
  private volatile boolean listening;

  Wakeups(
      DataSource dataSource,
      String jobsChannel,
      String cancelChannel,
      Consumer<String> onJobs,
      Consumer<Long> onCancel) {
    this.dataSource = dataSource;
    this.jobsChannel = jobsChannel;
    this.cancelChannel = cancelChannel;
    this.onJobs = onJobs;
    this.onCancel = onCancel;
  }

  boolean listening() {
    return listening;
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
          s.execute("LISTEN \"" + jobsChannel + "\"");
          s.execute("LISTEN \"" + cancelChannel + "\"");
        }
        PGConnection pg = c.unwrap(PGConnection.class);
        listening = true;
        pauseMs = 200;
        while (running) {
          PGNotification[] notes = pg.getNotifications(WAIT_MS);
          if (notes == null) {
            continue;
          }
          for (PGNotification n : notes) {
            dispatch(n);
          }
        }
        // A pooled connection must not keep listening after we hand it back.
        try (Statement s = c.createStatement()) {
          s.execute("UNLISTEN *");
        }
      } catch (SQLException | RuntimeException e) {
        listening = false;
        if (!running) {
          return;
        }
        log.warn(
            "LISTEN connection failed, polling only until it is back (retry in {} ms): {}",
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
    listening = false;
  }

  private void dispatch(PGNotification n) {
    if (n.getName().equals(jobsChannel)) {
      onJobs.accept(n.getParameter());
    } else if (n.getName().equals(cancelChannel)) {
      try {
        onCancel.accept(Long.parseLong(n.getParameter()));
      } catch (NumberFormatException e) {
        log.warn("ignoring malformed cancel notification '{}'", n.getParameter());
      }
    }
  }
}
