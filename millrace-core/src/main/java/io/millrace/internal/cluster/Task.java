package io.millrace.internal.cluster;

import java.time.Duration;

/**
 * One named piece of cluster maintenance a {@link Component} asks the node to run: as a leader task
 * (every maintenance tick, on the leader only) or as housekeeping (every housekeeping interval, on
 * the leader only). Tasks must be idempotent and SQL-guarded: a tick cut short by a crash, or two
 * leaders for a moment, only repeats work that is safe to repeat.
 *
 * @param settle how long this node must have led before the task runs: a task that must not act on
 *     what a new leader finds the moment it takes over (every lease expired after a database
 *     outage) waits that long
 */
public record Task(String name, Step step, Duration settle) {
  public Task(String name, Step step) {
    this(name, step, Duration.ZERO);
  }

  /** A task's body; may throw anything, which is recorded, counted and logged. */
  @FunctionalInterface
  public interface Step {
    void run() throws Exception;
  }
}
