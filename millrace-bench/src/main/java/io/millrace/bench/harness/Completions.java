package io.millrace.bench.harness;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Which of a run's N jobs have completed, and how often: one counter per job index, so a job run
 * twice or never is caught, not averaged away. Handlers call {@link #record(int)}; the harness
 * waits in {@link #await} and then checks that every counter is exactly 1.
 */
final class Completions {
  private final AtomicIntegerArray counts;
  private final LongAdder total = new LongAdder();
  private final AtomicLong lastNanos = new AtomicLong();

  Completions(int jobs) {
    this.counts = new AtomicIntegerArray(jobs);
  }

  /** Job {@code index} (0 to N-1) finished its work. Thread-safe. */
  void record(int index) {
    counts.incrementAndGet(index);
    total.increment();
    lastNanos.accumulateAndGet(System.nanoTime(), Math::max);
  }

  /**
   * Waits until N completions were recorded, then returns the seconds from {@code startNanos} to
   * the last one. Fails if no completion arrives for {@code stall}, or if any job ran other than
   * once (after a short grace period, so that a late duplicate has a chance to show).
   */
  double await(long startNanos, Duration stall) throws InterruptedException {
    int jobs = counts.length();
    long seen = -1;
    long lastProgress = System.nanoTime();
    while (total.sum() < jobs) {
      long now = total.sum();
      if (now != seen) {
        seen = now;
        lastProgress = System.nanoTime();
      } else if (System.nanoTime() - lastProgress > stall.toNanos()) {
        throw new IllegalStateException(
            "stalled: " + now + " of " + jobs + " jobs completed, none for " + stall);
      }
      Thread.sleep(20);
    }
    double seconds = (lastNanos.get() - startNanos) / 1e9;
    Thread.sleep(500);
    verify();
    return seconds;
  }

  /** Fails unless every job completed exactly once. */
  void verify() {
    int missing = 0;
    int repeated = 0;
    int example = -1;
    for (int i = 0; i < counts.length(); i++) {
      int n = counts.get(i);
      if (n != 1) {
        example = example < 0 ? i : example;
        if (n == 0) {
          missing++;
        } else {
          repeated++;
        }
      }
    }
    if (missing > 0 || repeated > 0) {
      throw new IllegalStateException(
          missing
              + " jobs never completed and "
              + repeated
              + " completed more than once (first: job "
              + example
              + ")");
    }
  }
}
