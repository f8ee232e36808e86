package io.millrace.backfills;

import org.jspecify.annotations.Nullable;

/**
 * Progress of one run: counters (seeded from the target's state row, so they survive restarts), a
 * smoothed rate and the ETA derived from them.
 *
 * <p>The rate is keys walked per second over a sliding window of the last 5 s of wall time between
 * committed batches (yields and throttle waits included). The ETA is not remaining ÷ rate: the
 * batch size is still ramping up (at most 1.2× per batch) for a good part of a short run, so
 * today's rate underestimates tomorrow's and such an ETA overshoots by 2–5× (measured in
 * ReaderLatencyBenchmark). It has two parts:
 *
 * <ul>
 *   <li><b>The ramp model</b>: a batch's cost is fixed + per key (the fixed part — begin, lookup,
 *       commit — from a least-squares line through the window's batches; the per-key part from the
 *       last 5 batches only, since early batches run on cold caches and overstate what later ones
 *       cost), plus the median overhead per batch outside it (yield, heartbeat, throttle waits; the
 *       median so that one scheduler stall is not charged to every batch), and {@link
 *       BatchSizer#nanosFor} replays the sizer's growth rule over the remaining keys.
 *   <li><b>The steady rate</b>: once the sizer has settled (see {@link BatchSizer#settled}), keys
 *       walked over wall time since the commit before the first settled batch — everything a batch
 *       really costs, including the slow tail: on a loaded machine some batches run several times
 *       over the target, the size halves and climbs back, and the run makes more, smaller batches
 *       than a model of the typical batch predicts (that made the model alone 10–40% optimistic on
 *       PostgreSQL). Cumulative, so one slow stretch moves it in proportion to its share of the
 *       run.
 * </ul>
 *
 * The ETA is the model during the ramp; from the 3rd settled batch it is a blend weighted toward
 * the steady rate by settled batches ÷ 10, and the steady rate alone from the 10th.
 *
 * <p><b>The total</b> is the row estimate taken at the first start (the engine's statistics or a
 * count, see {@link TargetStore}), never key-space arithmetic: keys may be sparse (two clusters
 * 10^12 apart) or span the whole bigint range, and a span says nothing about rows — it made the
 * total and ETA wrong by a factor of 10^9, and overflowed. Done is the count of keys walked, so
 * nothing here can overflow. Without an estimate, or once the walk has passed it (rows added since,
 * stale statistics), the total and ETA are unknown (null) rather than a guess.
 */
final class Progress {
  private static final long WINDOW_NANOS = 5_000_000_000L;

  /** Batches in the model's cost per key (the latest ones). */
  private static final int RECENT_BATCHES = 5;

  /** Steady batches before the steady rate counts at all, and before it is the whole ETA. */
  private static final int MIN_STEADY_BATCHES = 3;

  private static final int FULL_STEADY_BATCHES = 10;

  private final @Nullable Object upper;
  private final @Nullable Long estimate;
  private boolean done;
  private long processed;
  private long affected;
  private long batches;
  private @Nullable Object cursor;

  /**
   * (time, keys walked, cumulative nanos inside batches) at each commit, the oldest about one
   * window old.
   */
  private final java.util.ArrayDeque<long[]> window = new java.util.ArrayDeque<>();

  Progress(TargetStore.State state, long nowNanos) {
    this.upper = state.upper();
    this.estimate = state.rowsTotal();
    this.processed = state.rowsProcessed();
    this.affected = state.rowsAffected();
    this.batches = state.batches();
    this.cursor = state.cursor();
    window.add(new long[] {nowNanos, processed, 0});
  }

  private long batchNanos;

  /** (time, keys walked) at the commit before the first settled batch, or null during the ramp. */
  private long @Nullable [] steadyStart;

  private long steadyBatches;

  /**
   * Records a committed batch; {@code settled} is the sizer's state after it (see {@link
   * BatchSizer#settled}): the first settled batch opens the steady phase at the commit before it.
   */
  void advanced(
      Object newCursor,
      long keys,
      long rowsAffected,
      long elapsedNanos,
      long nowNanos,
      boolean settled) {
    if (settled && steadyStart == null) {
      long[] previous = window.peekLast();
      steadyStart = new long[] {previous[0], previous[1]};
    }
    if (steadyStart != null) {
      steadyBatches++;
    }
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

  @Nullable Object cursor() {
    return cursor;
  }

  /** Keys per second, or null before the first batch of this run. */
  @Nullable Double rate() {
    if (window.size() < 2) {
      return null;
    }
    long[] first = window.peekFirst();
    long[] last = window.peekLast();
    double seconds = (last[0] - first[0]) / 1e9;
    return seconds <= 0 ? null : (last[1] - first[1]) / seconds;
  }

  /**
   * Estimated keys in the whole walk, or null when unknown: the estimate while it is ahead of the
   * keys walked, the keys walked once the walk is done. So 0 ≤ processed ≤ total whenever the total
   * is known, and processed = total only when done.
   */
  @Nullable Long total() {
    if (done) {
      return processed;
    }
    return estimate != null && estimate > processed ? estimate : null;
  }

  /**
   * Seconds left, or null before two batches or when the total is unknown (see the class comment).
   */
  @Nullable Double etaSeconds(BatchSizer sizer) {
    Long total = total();
    if (total == null || window.size() < 3) {
      return null;
    }
    long remaining = Math.max(0, total - processed);
    Double model = modelNanos(sizer, remaining);
    if (steadyBatches < MIN_STEADY_BATCHES || steadyStart == null) {
      return model == null ? null : model / 1e9;
    }
    long[] last = window.peekLast();
    double steady = remaining * (double) (last[0] - steadyStart[0]) / (processed - steadyStart[1]);
    if (model == null) {
      return steady / 1e9;
    }
    double weight = Math.min(1.0, (double) steadyBatches / FULL_STEADY_BATCHES);
    return (weight * steady + (1 - weight) * model) / 1e9;
  }

  /** The ramp replay: nanos for the remaining keys under the window's cost model, or null. */
  private @Nullable Double modelNanos(BatchSizer sizer, long remaining) {
    long[][] samples = window.toArray(new long[0][]);
    int n = samples.length - 1;
    long keys = samples[n][1] - samples[0][1];
    long inside = samples[n][2] - samples[0][2];
    if (keys <= 0 || samples[n][0] <= samples[0][0]) {
      return null;
    }
    // Least squares over the window's batches: time = fixed + perKey × keys, when the sizes vary
    // enough to tell the two apart (they do while the size ramps; at a steady size the ratio is
    // exact).
    double meanK = (double) keys / n;
    double meanT = (double) inside / n;
    double cov = 0;
    double var = 0;
    for (int i = 1; i <= n; i++) {
      double k = samples[i][1] - samples[i - 1][1] - meanK;
      double t = samples[i][2] - samples[i - 1][2] - meanT;
      cov += k * t;
      var += k * k;
    }
    double fixed = 0;
    if (var > 0) {
      double slope = cov / var;
      double intercept = meanT - slope * meanK;
      if (slope > 0 && intercept >= 0) {
        fixed = intercept;
      }
    }
    // The cost per key from the most recent batches only: early batches run on cold caches and
    // an unwarmed JIT, and a line through all of them overstates what the big batches ahead cost.
    int from = Math.max(0, n - RECENT_BATCHES);
    long recentKeys = samples[n][1] - samples[from][1];
    double recentInside = samples[n][2] - samples[from][2] - (n - from) * fixed;
    double perKey = recentInside > 0 ? recentInside / recentKeys : (double) inside / keys;
    // Overhead outside batches (yield, heartbeat, throttle waits): the median, so one scheduler
    // stall or the run's start-up does not count as every batch's cost.
    long[] overheads = new long[n];
    for (int i = 1; i <= n; i++) {
      overheads[i - 1] =
          Math.max(0, (samples[i][0] - samples[i - 1][0]) - (samples[i][2] - samples[i - 1][2]));
    }
    java.util.Arrays.sort(overheads);
    double overhead = overheads[n / 2];
    return sizer.nanosFor(remaining, fixed, perKey, overhead);
  }

  void finished() {
    cursor = upper;
    done = true;
  }
}
