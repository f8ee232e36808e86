package io.millrace.backfills;

/**
 * Progress of one run: counters (seeded from the target's state row, so they survive restarts), a
 * smoothed rate and the ETA derived from them.
 *
 * <p>The rate is an exponentially weighted moving average of keys per second over wall time
 * between committed batches (yields and throttle waits included, since they are part of what the
 * remaining work will cost), with a 10 s time constant: steady enough for an ETA, quick to follow a
 * throttle or a change in row cost. For integer keys the total is refined from the observed key
 * density (keys walked per unit of key span), so sparse keys do not inflate the ETA.
 */
final class Progress {
  private static final double TAU_SECONDS = 10.0;

  private final KeyType keyType;
  private final Object lower;
  private final Object upper;
  private final Long initialTotal;
  private long processed;
  private long affected;
  private long batches;
  private Object cursor;
  private double rate = Double.NaN;
  private long lastNanos;
  private long runProcessed;
  private long runStartNanos;

  Progress(TargetStore.State state, long nowNanos) {
    this.keyType = state.lower() instanceof Long ? KeyType.INTEGER : KeyType.TEXT;
    this.lower = state.lower();
    this.upper = state.upper();
    this.initialTotal = state.rowsTotal();
    this.processed = state.rowsProcessed();
    this.affected = state.rowsAffected();
    this.batches = state.batches();
    this.cursor = state.cursor();
    this.lastNanos = nowNanos;
    this.runStartNanos = nowNanos;
  }

  void advanced(Object newCursor, long keys, long rowsAffected, long nowNanos) {
    double dt = (nowNanos - lastNanos) / 1e9;
    if (dt > 0) {
      double instant = keys / dt;
      double alpha = 1 - Math.exp(-dt / TAU_SECONDS);
      // Before the first full time constant, weigh the run's average instead of one noisy batch.
      double elapsed = (nowNanos - runStartNanos) / 1e9;
      if (Double.isNaN(rate) || elapsed < TAU_SECONDS) {
        rate = elapsed > 0 ? (runProcessed + keys) / elapsed : instant;
      } else {
        rate = rate + alpha * (instant - rate);
      }
    }
    lastNanos = nowNanos;
    cursor = newCursor;
    processed += keys;
    runProcessed += keys;
    affected += rowsAffected;
    batches++;
  }

  long processed() {
    return processed;
  }

  long affected() {
    return affected;
  }

  long batches() {
    return batches;
  }

  Object cursor() {
    return cursor;
  }

  /** Keys per second, or null before the first batch of this run. */
  Double rate() {
    return Double.isNaN(rate) ? null : rate;
  }

  /** Estimated keys in the walk, or null when unknown. */
  Long total() {
    if (keyType == KeyType.INTEGER && lower != null && upper != null) {
      long span = (Long) upper - (Long) lower + 1;
      if (cursor != null && processed > 0) {
        long walkedSpan = (Long) cursor - (Long) lower + 1;
        double density = Math.min(1.0, (double) processed / walkedSpan);
        return processed + Math.round(((Long) upper - (Long) cursor) * density);
      }
      return initialTotal == null ? span : initialTotal;
    }
    return initialTotal == null ? null : Math.max(initialTotal, processed);
  }

  /** Seconds left at the current rate, or null when rate or total is unknown. */
  Double etaSeconds() {
    Long total = total();
    Double r = rate();
    if (total == null || r == null || r <= 0) {
      return null;
    }
    return Math.max(0, total - processed) / r;
  }

  void finished() {
    cursor = upper;
  }
}
