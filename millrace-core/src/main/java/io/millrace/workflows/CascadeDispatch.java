package io.millrace.workflows;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live half of the cascade: the node's notifier hands it each event id announced on the
 * schema's workflow channel (payload: an event id, nothing else), and a few dispatch threads
 * dispatch each event as it commits. The skip events a hop inserts are dispatched right after it by
 * the same thread, without waiting for their notification (which then finds them dispatched: a
 * no-op).
 *
 * <p>Notifications only shorten latency. A lost one (LISTEN connection down, {@code listen} off,
 * queue dropped at shutdown, node killed) leaves its event undispatched, and the {@link Reconciler}
 * takes it once stale. Every node may hear every event; the claim in each hop lets exactly one of
 * them advance it.
 *
 * <p>Termination: {@link #close} stops the dispatch threads after their current hop; events still
 * queued are left to the reconciler. An interrupt ends a dispatch thread with its flag kept.
 */
final class CascadeDispatch {
  private static final Logger log = LoggerFactory.getLogger(CascadeDispatch.class);
  private static final int WAIT_MS = 250;

  /**
   * Hops per node in flight. Each hop is a short transaction, and hops in flight together share WAL
   * writes: in WorkflowBenchmark's burst, two threads did 17 ten-node workflows/s and eight 31 with
   * synchronous hop commits; four with asynchronous hop commits (as shipped) about 100.
   */
  static final int DISPATCH_THREADS = 4;

  private final Dispatcher dispatcher;
  private final BlockingQueue<Long> events = new LinkedBlockingQueue<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running;

  CascadeDispatch(Dispatcher dispatcher) {
    this.dispatcher = dispatcher;
  }

  /** A notification's payload: queued for dispatch. Called on the notifier's thread. */
  void announced(String payload) {
    if (!running) {
      return;
    }
    try {
      events.add(Long.parseLong(payload));
    } catch (NumberFormatException e) {
      log.warn("ignoring a workflow notification that is not an event id: '{}'", payload);
    }
  }

  synchronized void start() {
    running = true;
    for (int i = 0; i < DISPATCH_THREADS; i++) {
      Thread t = new Thread(this::dispatchLoop, "millrace-workflow-dispatch-" + i);
      t.setDaemon(true);
      threads.add(t);
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
        Thread.currentThread().interrupt();
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
}
