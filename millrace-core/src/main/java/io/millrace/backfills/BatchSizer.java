package io.millrace.backfills;

import java.time.Duration;

/**
 * The adaptive batch size. After each batch the size moves toward what would have taken the target
 * time, but grows at most 1.2× per batch (a sudden cheap stretch must not produce one huge batch
 * when the next stretch is expensive) and shrinks at most by half; a timed-out batch halves it, and
 * the size never grows back above that halved size (growing back toward a size that timed out would
 * only time out again: each timeout is a cancelled batch). Sizes stay within [1, max].
 */
final class BatchSizer {
  static final double MAX_GROWTH = 1.2;

  private final long targetNanos;
  private int size;
  private int ceiling;
  private boolean settled;

  BatchSizer(Duration target, int initial, int max) {
    this.targetNanos = target.toNanos();
    this.size = Math.min(initial, max);
    this.ceiling = max;
  }

  int size() {
    return size;
  }

  /** Adjusts after a batch of the current size that took {@code elapsedNanos}. */
  void completed(long elapsedNanos) {
    double ratio = elapsedNanos <= 0 ? MAX_GROWTH : (double) targetNanos / elapsedNanos;
    double factor = Math.max(0.5, Math.min(MAX_GROWTH, ratio));
    if (factor < MAX_GROWTH || size >= ceiling) {
      settled = true;
    }
    long next = Math.round(size * factor);
    if (factor > 1 && next == size) {
      next = size + 1; // small sizes must still be able to grow
    }
    size = (int) Math.max(1, Math.min(ceiling, next));
  }

  /**
   * Whether the ramp is over: a batch came close enough to the target time that the size did not
   * grow by the full step, or the size reached its ceiling. From then on the size only hovers.
   */
  boolean settled() {
    return settled;
  }

  /**
   * How long {@code remainingKeys} will take from here if a batch of k keys takes {@code fixedNanos
   * + k × nanosPerKey} and each batch adds {@code overheadNanos} outside it (yield, heartbeat,
   * throttles): replays this sizer's own growth rule on a copy, so the ETA knows the size is still
   * ramping up instead of assuming today's rate forever. Beyond 10,000 simulated batches the size
   * is settled and the rest is extrapolated.
   */
  double nanosFor(long remainingKeys, double fixedNanos, double nanosPerKey, double overheadNanos) {
    double size = this.size;
    double left = remainingKeys;
    double nanos = 0;
    for (int i = 0; i < 10_000 && left > 0; i++) {
      double keys = Math.min(size, left);
      double batch = fixedNanos + keys * nanosPerKey;
      nanos += batch + overheadNanos;
      left -= keys;
      double ratio = batch <= 0 ? MAX_GROWTH : targetNanos / batch;
      size =
          Math.max(
              1, Math.min(ceiling, Math.round(size * Math.max(0.5, Math.min(MAX_GROWTH, ratio)))));
    }
    if (left > 0) {
      nanos += left / size * (fixedNanos + size * nanosPerKey + overheadNanos);
    }
    return nanos;
  }

  /** The batch ran over its timeout: halve. Returns false when the size was already 1. */
  boolean timedOut() {
    if (size == 1) {
      return false;
    }
    size = Math.max(1, size / 2);
    ceiling = size;
    settled = true;
    return true;
  }
}
