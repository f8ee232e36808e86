package io.millrace.backfills;

/**
 * Progress of one run: counters (seeded from the target's state row, so they survive restarts), a
 * smoothed rate and the ETA derived from them.
 *
 * <p>The rate is keys walked per second over a sliding window of the last 5 s of wall time between
 * committed batches (yields and throttle waits included). The ETA is not remaining ÷ rate: the batch
 * size is still ramping up (at most 1.2× per batch) for a good part of a short run, so today's rate
 * underestimates tomorrow's and such an ETA overshoots by 2–5× (measured in ReaderLatencyBenchmark).
 * Instead the window's batches give a batch's cost as fixed + per key (a least-squares line through
 * (keys, time) — the fixed part, begin/lookup/commit, is why small early batches look expensive per
 * key) and the overhead per batch outside it, and {@link BatchSizer#nanosFor} replays the sizer's
 * growth rule over the remaining keys. For integer
 * keys the total is refined from the observed key density (keys walked per unit of key span), so
 * sparse keys do not inflate it.
 */
final class Progress {
  private static final long WINDOW_NANOS = 5_000_000_000L;

  private final KeyType keyType;
  private final Object lower;
  private final Object upper;
  private final Long initialTotal;
  private long processed;
  private long affected;
  private long batches;
  private Object cursor;
  /** (time, keys walked, cumulative nanos inside batches) at each commit, the oldest about one window old. */
  private final java.util.ArrayDeque<long[]> window = new java.util.ArrayDeque<>();

  Progress(TargetStore.State state, long nowNanos) {
    this.keyType = state.lower() instanceof Long ? KeyType.INTEGER : KeyType.TEXT;
    this.lower = state.lower();
    this.upper = state.upper();
    this.initialTotal = state.rowsTotal();
    this.processed = state.rowsProcessed();
    this.affected = state.rowsAffected();
    this.batches = state.batches();
    this.cursor = state.cursor();
    window.add(new long[] {nowNanos, processed, 0});
  }

  private long batchNanos;

  void advanced(Object newCursor, long keys, long rowsAffected, long elapsedNanos, long nowNanos) {
    batchNanos += elapsedNanos;
    cursor = newCursor;
    processed += keys;
    affected += rowsAffected;
    batches++;
    window.add(new long[] {nowNanos, processed, batchNanos});
    // Keep one sample at or before the window's start so the window always spans ~5 s once it can.
    while (window.size() > 2) {
      long[] second = window.stream().skip(1).findFirst().orElseThrow();
      if (nowNanos - second[0] < WINDOW_NANOS) {
        break;
      }
      window.removeFirst();
    }
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
    if (window.size() < 2) {
      return null;
    }
    long[] first = window.peekFirst();
    long[] last = window.peekLast();
    double seconds = (last[0] - first[0]) / 1e9;
    return seconds <= 0 ? null : (last[1] - first[1]) / seconds;
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

  /** Seconds left, or null before two batches or when the total is unknown (see the class comment). */
  Double etaSeconds(BatchSizer sizer) {
    Long total = total();
    if (total == null || window.size() < 3) {
      return null;
    }
    long[] first = window.peekFirst();
    long[] last = window.peekLast();
    long keys = last[1] - first[1];
    long inside = last[2] - first[2];
    long wall = last[0] - first[0];
    int batchesInWindow = window.size() - 1;
    if (keys <= 0 || wall <= 0) {
      return null;
    }
    double perKey = (double) inside / keys;
    double fixed = 0;
    // Least squares over the window's batches: time = fixed + perKey × keys, when the sizes vary
    // enough to tell the two apart (they do while the size ramps; at a steady size the ratio is exact).
    long[][] samples = window.toArray(new long[0][]);
    int n = samples.length - 1;
    double meanK = (double) keys / n;
    double meanT = (double) inside / n;
    double cov = 0;
    double var = 0;
    for (int i = 1; i < samples.length; i++) {
      double k = samples[i][1] - samples[i - 1][1] - meanK;
      double t = samples[i][2] - samples[i - 1][2] - meanT;
      cov += k * t;
      var += k * k;
    }
    if (var > 0) {
      double slope = cov / var;
      double intercept = meanT - slope * meanK;
      if (slope > 0 && intercept >= 0) {
        perKey = slope;
        fixed = intercept;
      }
    }
    double overhead = Math.max(0, (double) (wall - inside) / batchesInWindow);
    return sizer.nanosFor(Math.max(0, total - processed), fixed, perKey, overhead) / 1e9;
  }

  void finished() {
    cursor = upper;
  }
}
