package io.millrace.bench.phases;

import io.millrace.bench.Stats;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What one phase of one run measured.
 *
 * @param completionRate jobs/s completed: the adapter's {@code completion_rate} samples taken in
 *     the phase, averaged weighted by the seconds each covers; NaN when none fell in it
 * @param p50Ms median of the phase's {@code claim_p50_ms} samples; NaN when none
 * @param p99Ms highest of the phase's {@code claim_p99_ms} samples; NaN when none. Each covers the
 *     adapter's trailing window (30 s), so a phase's first samples still reach into the one before.
 * @param deadAtStart dead tuples of the adapter's event tables when the phase began
 * @param deadMidway the same halfway through
 * @param deadAtEnd the same when it ended
 */
record PhaseFigures(
    String phase,
    double completionRate,
    double p50Ms,
    double p99Ms,
    long deadAtStart,
    long deadMidway,
    long deadAtEnd) {

  /** A phase's span: samples with {@code start < t <= end} belong to it. */
  record Span(String phase, Instant start, Instant end) {
    boolean holds(Instant t) {
      return t.isAfter(start) && !t.isAfter(end);
    }
  }

  /** The dead-tuple counts read at a phase's start, middle and end. */
  record Dead(long atStart, long midway, long atEnd) {}

  static PhaseFigures summarise(Span span, List<AdapterLine.Sample> samples, Dead dead) {
    double weighted = 0;
    double seconds = 0;
    List<Double> p50 = new ArrayList<>();
    double p99 = Double.NaN;
    for (AdapterLine.Sample s : samples) {
      if (!span.holds(s.t())) {
        continue;
      }
      switch (s.metric()) {
        case "completion_rate" -> {
          int window = Math.max(1, s.windowSeconds());
          weighted += s.value() * window;
          seconds += window;
        }
        case "claim_p50_ms" -> p50.add(s.value());
        case "claim_p99_ms" -> p99 = Double.isNaN(p99) ? s.value() : Math.max(p99, s.value());
        default -> {}
      }
    }
    return new PhaseFigures(
        span.phase(),
        seconds == 0 ? Double.NaN : weighted / seconds,
        Stats.median(p50),
        p99,
        dead.atStart(),
        dead.midway(),
        dead.atEnd());
  }
}
