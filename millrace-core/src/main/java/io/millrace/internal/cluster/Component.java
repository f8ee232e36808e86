package io.millrace.internal.cluster;

import io.millrace.health.Readiness;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

/**
 * One capability of a node as the node runs it: jobs, counts, workflows, backfills, projections.
 * The node starts its components in order, gives the leader's maintenance loop their tasks, adds
 * their readiness checks to {@code /ready}, and stops them in reverse order by one deadline, so a
 * new capability is one class in its own package and one line where the node is composed.
 *
 * <p>This is wiring between Millrace's own packages, not an extension point: applications use the
 * capabilities through {@code Millrace}'s accessors.
 */
public interface Component {
  /**
   * Starts the component's loops. {@code timer} is the node's shared maintenance thread, for short
   * node-local periodic work (a gauge refresh); long work needs threads of its own.
   */
  default void start(ScheduledExecutorService timer) {}

  /**
   * Stops by {@code deadlineNanos} ({@link System#nanoTime()} scale): work still running then is
   * released for another node, never lost.
   */
  default void stop(long deadlineNanos) {}

  /** Tasks the leader runs every maintenance tick. */
  default List<Task> leaderTasks() {
    return List.of();
  }

  /** Tasks the leader runs every housekeeping interval (retention, pruning). */
  default List<Task> housekeeping() {
    return List.of();
  }

  /** Checks that must pass before this node reports ready. */
  default List<Readiness.Check> readinessChecks() {
    return List.of();
  }
}
