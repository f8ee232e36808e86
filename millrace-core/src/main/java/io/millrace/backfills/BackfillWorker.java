package io.millrace.backfills;

import io.micrometer.core.instrument.MeterRegistry;
import io.millrace.base.MillraceException;
import io.millrace.schema.SchemaName;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's backfill loop: registers this node's definitions (in order), then repeatedly tries to
 * lease each runnable one and runs it on a thread of its own, so an independent backfill is not
 * held up by a throttled or slow one on the same node (ordered ones wait in the acquire statement
 * itself). Started and stopped by {@code Millrace}; not meant to be used on its own.
 *
 * <p><b>Termination and idempotence.</b> The thread ends when the node closes: the run in flight
 * finishes its current batch, releases its lease (back to pending, so another node continues from
 * the cursor at once) and the thread exits. Acquiring is a single guarded UPDATE, safe to repeat; a
 * failed acquire is logged and tried again on the next poll.
 */
final class BackfillWorker {
  private static final Logger log = LoggerFactory.getLogger(BackfillWorker.class);

  private final Registry registry;
  private final String nodeId;
  private final Map<String, Backfill> backfills = new LinkedHashMap<>();
  private final Map<String, TargetStore> targets = new LinkedHashMap<>();
  private final Duration lease;
  private final Duration poll;
  private final BackfillMetrics metrics;
  private final CountDownLatch stopping = new CountDownLatch(1);
  private final Map<String, Thread> runs = new java.util.concurrent.ConcurrentHashMap<>();
  // Null until start().
  private @Nullable Thread thread;

  BackfillWorker(
      DataSource dataSource,
      SchemaName schema,
      String nodeId,
      List<Backfill> definitions,
      Duration lease,
      Duration poll,
      MeterRegistry meters) {
    this.registry = new Registry(dataSource, schema);
    this.nodeId = nodeId;
    this.lease = lease;
    this.poll = poll;
    for (Backfill b : definitions) {
      backfills.put(b.name(), b);
      targets.put(b.name(), new TargetStore(b));
    }
    this.metrics = new BackfillMetrics(meters, definitions);
  }

  /**
   * Registers the definitions in order (the first registration fixes the order), then starts the
   * thread.
   */
  void start() {
    for (Backfill b : backfills.values()) {
      try {
        registry.register(b, targetName(b));
      } catch (SQLException e) {
        throw new MillraceException(
            "could not register backfill " + b.name() + ": " + e.getMessage(), e);
      }
    }
    thread = new Thread(this::loop, "millrace-backfills");
    thread.setDaemon(true);
    thread.start();
  }

  private static String targetName(Backfill b) {
    try (Connection c = b.target().getConnection()) {
      return Dialect.of(c).name().toLowerCase(java.util.Locale.ROOT);
    } catch (SQLException e) {
      // Recorded as unknown; the run itself retries the target and fails loudly if it stays
      // unreachable.
      log.warn("backfill {}: target unreachable at registration: {}", b.name(), e.getMessage());
      return "unknown";
    }
  }

  private void loop() {
    while (stopping.getCount() > 0) {
      for (Backfill b : backfills.values()) {
        if (stopping.getCount() == 0) {
          break;
        }
        Thread running = runs.get(b.name());
        if (running != null && running.isAlive()) {
          continue;
        }
        OptionalLong fence;
        try {
          fence = registry.acquire(b.name(), nodeId, lease);
        } catch (SQLException e) {
          log.warn("backfill {}: could not try to acquire it: {}", b.name(), e.getMessage());
          continue;
        }
        if (fence.isPresent()) {
          TargetStore target = targets.get(b.name());
          if (target == null) {
            // The constructor fills both maps from the same definitions.
            throw new IllegalStateException("backfill " + b.name() + " has no target store");
          }
          BackfillRun run =
              new BackfillRun(b, target, registry, fence.getAsLong(), lease, stopping, metrics);
          Thread t =
              new Thread(
                  () -> log.debug("backfill {} run ended: {}", b.name(), run.run()),
                  "millrace-backfill-" + b.name());
          t.setDaemon(true);
          runs.put(b.name(), t);
          t.start();
        }
      }
      try {
        stopping.await(poll.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Stops after the batch in flight and releases the lease; waits up to {@code timeout}. */
  void stop(Duration timeout) {
    stopping.countDown();
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Thread> threads = new java.util.ArrayList<>(runs.values());
    if (thread != null) {
      threads.add(thread);
    }
    for (Thread t : threads) {
      try {
        t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (t.isAlive()) {
        log.warn(
            "{} still in a batch after {}; its lease expires on its own", t.getName(), timeout);
      }
    }
  }
}
