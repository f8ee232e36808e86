package io.millrace.backfills;

import java.time.Duration;

/**
 * The adaptive batch size. After each batch the size moves toward what would have taken the target
 * time, but grows at most 1.2× per batch (a sudden cheap stretch must not produce one huge batch
 * when the next stretch is expensive) and shrinks at most by half. A timed-out batch halves it and
 * caps it there: growing straight back toward a size that timed out would only time out again, and
 * each timeout is a cancelled batch. The cap is lifted after {@link #FIRST_PROBE} batches without a
 * timeout (then the size climbs back at the usual 1.2× per batch), and that wait doubles, up to
 * {@link #LAST_PROBE} batches, each time the size times out again after a lift: a transient — a
 * checkpoint, a burst of other work — cannot pin the size at its minimum for the rest of a run,
 * while a stretch of keys that really is expensive costs one cancelled batch per probe. A lock wait
 * is not a timeout (see {@link Dialect#isBusy}) and never reaches the sizer. Sizes stay within [1,
 * max].
 */
final class BatchSizer {
  static final double MAX_GROWTH = 1.2;

  /** Batches without a timeout before the cap from a timeout is lifted. */
  static final int FIRST_PROBE = 32;

  /** The longest wait for a lift, in batches. */
  static final int LAST_PROBE = 1024;

  private final long targetNanos;
  private final int max;
  private int size;
  private int ceiling;
  private boolean settled;

  /** Batches since the last timeout, and how many lift the cap. */
  private int sinceTimeout;

  private int probeAfter = FIRST_PROBE;

  /** True from a lift of the cap until the size times out again or the lift has held. */
  private boolean probing;

  BatchSizer(Duration target, int initial, int max) {
    this.targetNanos = target.toNanos();
    this.max = max;
    this.size = Math.min(initial, max);
    this.ceiling = max;
  }

  int size() {
    return size;
  }

  /** Adjusts after a batch of the current size that took {@code elapsedNanos}. */
  void completed(long elapsedNanos) {
    sinceTimeout = (int) Math.min(Integer.MAX_VALUE, sinceTimeout + 1L);
    if (ceiling < max && sinceTimeout >= probeAfter) {
      ceiling = max;
      probing = true;
      sinceTimeout = 0;
    } else if (probing && sinceTimeout >= probeAfter) {
      probing = false; // the lift held as long as the cap did: a later timeout starts afresh
      probeAfter = FIRST_PROBE;
    }
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

  /**
   * The batch ran over its timeout: halve and cap there for a while. Returns false when the size
   * was already 1.
   */
  boolean timedOut() {
    if (size == 1) {
      return false;
    }
    size = Math.max(1, size / 2);
    ceiling = size;
    settled = true;
    if (probing) {
      probeAfter = Math.min(LAST_PROBE, probeAfter * 2);
      probing = false;
    }
    sinceTimeout = 0;
    return true;
  }
}
