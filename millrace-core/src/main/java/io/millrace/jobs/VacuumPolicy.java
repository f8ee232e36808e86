package io.millrace.jobs;

import java.time.Duration;

/**
 * When the leader vacuums the hot table, from the dead rows PostgreSQL's statistics report:
 *
 * <ul>
 *   <li>when at least {@link #threshold} dead rows have piled up beyond those the last vacuum had
 *       to leave (a pass costs about the same whatever it removes, so it waits for enough to
 *       remove);
 *   <li>never for more than a fifth of the time: a pass waits four times the last pass's length
 *       after it, so on a busy server the passes space out instead of taking a CPU;
 *   <li>after a pass that removed less than half of what it found (a transaction older than the
 *       dead rows holds them back), only once every retry interval ({@link #RETRY}) while that
 *       lasts, and then the first retry after the transaction ended removes the backlog.
 * </ul>
 *
 * <p>Thread-safe: the leader's maintenance thread asks {@link #due}; the vacuum thread reports.
 */
final class VacuumPolicy {
  /** Dead rows worth a pass on an empty table; a backlog adds a tenth of its live rows. */
  static final long MIN_DEAD = 20_000;

  /** How often a vacuum is retried while a long transaction holds the dead rows back. */
  static final Duration RETRY = Duration.ofSeconds(10);

  /**
   * A pass waits this many times its predecessor's length after it: at most a fifth of the time.
   */
  static final int IDLE_FACTOR = 4;

  private final long minDead;
  private final long retryNanos;
  private long leftByLast;
  private boolean heldBack;
  private boolean passed;
  private long lastEndNanos;
  private long lastLengthNanos;

  VacuumPolicy() {
    this(MIN_DEAD, RETRY);
  }

  VacuumPolicy(long minDead, Duration retry) {
    this.minDead = minDead;
    this.retryNanos = retry.toNanos();
  }

  /** Dead rows that make a pass worth it with {@code live} live rows in the table. */
  long threshold(long live) {
    return minDead + Math.max(0, live) / 10;
  }

  /**
   * Whether a pass should start now.
   *
   * @param dead the table's dead rows now
   * @param live its live rows now
   * @param nowNanos {@link System#nanoTime()}
   */
  synchronized boolean due(long dead, long live, long nowNanos) {
    long threshold = threshold(live);
    if (!passed) {
      return dead >= threshold;
    }
    long since = nowNanos - lastEndNanos;
    if (since < IDLE_FACTOR * lastLengthNanos) {
      return false;
    }
    if (heldBack) {
      return dead >= threshold && since >= retryNanos;
    }
    return dead - leftByLast >= threshold;
  }

  /**
   * Records a pass.
   *
   * @param deadBefore the dead rows the pass was started for
   * @param deadAfter the dead rows right after it (those it could not remove, and new ones); {@code
   *     deadBefore} when it failed
   */
  synchronized void passed(long deadBefore, long deadAfter, long startNanos, long endNanos) {
    passed = true;
    leftByLast = Math.max(0, deadAfter);
    heldBack = deadAfter > deadBefore / 2;
    lastEndNanos = endNanos;
    lastLengthNanos = Math.max(0, endNanos - startNanos);
  }
}
