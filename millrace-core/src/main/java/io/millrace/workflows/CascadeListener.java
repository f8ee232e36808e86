package io.millrace.workflows;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live half of the cascade: LISTENs on the schema's workflow channel (payload: an event id,
 * nothing else) and dispatches each event as it commits, on a few dispatch threads. The skip events
 * a hop inserts are dispatched right after it by the same thread, without waiting for their
 * notification (which then finds them dispatched: a no-op).
 *
 * <p>Notifications only shorten latency. A lost one (LISTEN connection down, queue dropped at
 * shutdown, node killed) leaves its event undispatched, and the {@link Reconciler} takes it once
 * stale. Every node may hear every event; the claim in each hop lets exactly one of them advance
 * it.
 *
 * <p>Termination: {@link #close} stops the listener within one wait interval and the dispatch
 * threads after their current hop; events still queued are left to the reconciler. A broken LISTEN
 * connection is replaced after a growing pause.
 */
final class CascadeListener {
  private static final Logger log = LoggerFactory.getLogger(CascadeListener.class);
  private static final int WAIT_MS = 250;

  /**
   * Hops per node in flight. Each hop is a short transaction, and hops in flight together share WAL
   * writes: in WorkflowBenchmark's burst, two threads did 17 ten-node workflows/s and eight 31 with
   * synchronous hop commits; four with asynchronous hop commits (as shipped) about 100.
   */
  static final int DISPATCH_THREADS = 4;

  private final DataSource dataSource;
  private final String channel;
  private final Dispatcher dispatcher;
  private final BlockingQueue<Long> events = new LinkedBlockingQueue<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running;

  CascadeListener(DataSource dataSource, String channel, Dispatcher dispatcher) {
    this.dataSource = dataSource;
    this.channel = channel;
    this.dispatcher = dispatcher;
  }

  synchronized void start() {
    running = true;
    threads.add(thread("millrace-workflow-listen", this::listen));
    for (int i = 0; i < DISPATCH_THREADS; i++) {
      threads.add(thread("millrace-workflow-dispatch-" + i, this::dispatchLoop));
    }
    threads.forEach(Thread::start);
  }

  synchronized void close() {
    running = false;
    for (Thread t : threads) {
      t.interrupt();
    }
    for (Thread t : threads) {
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    threads.clear();
    events.clear();
  }

  private void dispatchLoop() {
    while (running) {
      Long id;
      try {
        id = events.poll(WAIT_MS, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (id == null) {
        continue;
      }
      try {
        dispatcher.cascade(id);
      } catch (Dispatcher.Halted e) {
        log.warn("workflow dispatch on this node stopped: {}", e.getMessage());
        return;
      } catch (SQLException | RuntimeException e) {
        if (!running) {
          return;
        }
        log.warn(
            "could not dispatch workflow event {} (the reconciler will): {}", id, e.getMessage());
      }
    }
  }

  private void listen() {
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
          if (notes == null) {
            continue;
          }
          for (PGNotification n : notes) {
            try {
              events.add(Long.parseLong(n.getParameter()));
            } catch (NumberFormatException e) {
              log.warn(
                  "ignoring a workflow notification that is not an event id: '{}'",
                  n.getParameter());
            }
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
            "workflow LISTEN connection failed, relying on the reconciler until it is back (retry in {} ms): {}",
            pauseMs,
            e.getMessage());
        try {
          Thread.sleep(pauseMs);
        } catch (InterruptedException ie) {
          return;
        }
        pauseMs = Math.min(pauseMs * 2, 10_000);
      }
    }
  }

  private static Thread thread(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    return t;
  }
}
