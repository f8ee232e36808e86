package io.millrace.internal.cluster;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.millrace.cluster.MaintenanceFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster loop every node runs on a timer: heartbeat this node, try for (or keep) leadership,
 * and, on the leader only, run the maintenance tasks — frequent ones (rescue, periodic jobs) every
 * tick and housekeeping (history partitions and retention, pruning dead nodes) less often.
 *
 * <p>Termination and idempotence: one {@link #tick} runs each task once and returns; tasks are
 * idempotent and SQL-guarded, so a tick cut short by a crash, or a second leader for a moment, only
 * repeats work that is safe to repeat. A failing task is logged with its error and counted in
 * {@code millrace.maintenance.errors}; it never stops the other tasks or later ticks.
 */
final class MaintenanceLoop implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(MaintenanceLoop.class);

  private final String nodeId;
  private final NodeRegistry nodes;
  private final LeaderElector elector;
  private final List<Task> everyTick;
  private final List<Task> housekeeping;
  private final Duration housekeepingInterval;
  private final MeterRegistry meters;
  private final Map<String, MaintenanceFailure> lastFailures = new ConcurrentHashMap<>();
  private final NodeIdentity identity;
  private long lastHousekeepingNanos = Long.MIN_VALUE;

  /** What a node re-registers with if it was pruned while unreachable. */
  record NodeIdentity(String host, long pid, List<String> queues, List<String> kinds) {}

  MaintenanceLoop(
      String nodeId,
      NodeIdentity identity,
      NodeRegistry nodes,
      LeaderElector elector,
      List<Task> everyTick,
      List<Task> housekeeping,
      Duration housekeepingInterval,
      MeterRegistry meters) {
    this.nodeId = nodeId;
    this.identity = identity;
    this.nodes = nodes;
    this.elector = elector;
    this.everyTick = List.copyOf(everyTick);
    this.housekeeping = List.copyOf(housekeeping);
    this.housekeepingInterval = housekeepingInterval;
    this.meters = meters;
  }

  @Override
  public void run() {
    tick();
  }

  synchronized void tick() {
    attempt(
        "node-heartbeat",
        () -> {
          if (!nodes.heartbeat(nodeId)) {
            nodes.register(
                nodeId, identity.host(), identity.pid(), identity.queues(), identity.kinds());
          }
        });
    if (!elector.tick()) {
      return;
    }
    Duration led = elector.leadingFor();
    for (Task task : everyTick) {
      if (led.compareTo(task.settle()) >= 0) {
        attempt(task.name(), task.step());
      }
    }
    long now = System.nanoTime();
    if (lastHousekeepingNanos == Long.MIN_VALUE
        || now - lastHousekeepingNanos >= housekeepingInterval.toNanos()) {
      lastHousekeepingNanos = now;
      for (Task task : housekeeping) {
        attempt(task.name(), task.step());
      }
    }
  }

  boolean isLeader() {
    return elector.isLeader();
  }

  Map<String, MaintenanceFailure> lastFailures() {
    return Map.copyOf(lastFailures);
  }

  private void attempt(String name, Task.Step step) {
    try {
      step.run();
      lastFailures.remove(name);
    } catch (Exception e) {
      lastFailures.put(
          name, new MaintenanceFailure(name, String.valueOf(e.getMessage()), Instant.now()));
      Counter.builder("millrace.maintenance.errors").tag("task", name).register(meters).increment();
      log.error("maintenance task {} failed on node {}: {}", name, nodeId, e.getMessage(), e);
    }
  }
}
