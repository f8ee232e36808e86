package io.millrace.bench.phases;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.bench.Stats;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** The per-phase summary and the over-rounds cells, over generated samples. */
class PhaseSummaryProperties {
  private static final Instant T0 = Instant.parse("2026-12-05T16:00:00Z");

  private static PhaseFigures.Span span(int from, int to) {
    return new PhaseFigures.Span("clean", T0.plusSeconds(from), T0.plusSeconds(to));
  }

  @Property
  void completionRateIsAWeightedMeanOfThePhasesOwnSamples(
      @ForAll @Size(min = 1, max = 30) List<@DoubleRange(min = 0, max = 50_000) Double> inside,
      @ForAll @Size(max = 10) List<@DoubleRange(min = 0, max = 1e9) Double> outside) {
    List<AdapterLine.Sample> samples = new ArrayList<>();
    for (int i = 0; i < inside.size(); i++) {
      samples.add(
          new AdapterLine.Sample(
              T0.plusSeconds(100 + 5L * (i + 1)), "completion_rate", inside.get(i), 5));
    }
    for (int i = 0; i < outside.size(); i++) {
      // at the span's start (excluded) or after its end: never counted
      Instant t =
          i % 2 == 0 ? T0.plusSeconds(100) : T0.plusSeconds(100 + 5L * (inside.size() + 1 + i));
      samples.add(new AdapterLine.Sample(t, "completion_rate", outside.get(i), 5));
    }
    PhaseFigures f =
        PhaseFigures.summarise(
            span(100, 100 + 5 * inside.size()), samples, new PhaseFigures.Dead(1, 2, 3));
    double mean = inside.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    assertThat(f.completionRate())
        .isCloseTo(mean, org.assertj.core.data.Offset.offset(1e-6 * (1 + mean)));
    assertThat(f.deadAtStart()).isEqualTo(1);
    assertThat(f.deadAtEnd()).isEqualTo(3);
  }

  @Property
  void p99IsTheWorstWindowAndP50TheMedian(
      @ForAll @Size(min = 1, max = 20) List<@DoubleRange(min = 0, max = 10_000) Double> p50s,
      @ForAll @Size(min = 1, max = 20) List<@DoubleRange(min = 0, max = 10_000) Double> p99s) {
    List<AdapterLine.Sample> samples = new ArrayList<>();
    p50s.forEach(
        v -> samples.add(new AdapterLine.Sample(T0.plusSeconds(5), "claim_p50_ms", v, 30)));
    p99s.forEach(
        v -> samples.add(new AdapterLine.Sample(T0.plusSeconds(5), "claim_p99_ms", v, 30)));
    PhaseFigures f = PhaseFigures.summarise(span(0, 10), samples, new PhaseFigures.Dead(0, 0, 0));
    assertThat(f.p99Ms())
        .isEqualTo(p99s.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
    assertThat(f.p50Ms()).isBetween(Stats.min(p50s), Stats.max(p50s));
    assertThat(Double.isNaN(f.completionRate())).isTrue();
  }

  @Property
  void aCellsMedianLiesWithinItsSpread(
      @ForAll @Size(min = 1, max = 9) List<@IntRange(min = 0, max = 1_000_000) Integer> rates) {
    List<PhaseFigures> rounds =
        rates.stream().map(r -> new PhaseFigures("clean", r, Double.NaN, 1, 0, 0, 0)).toList();
    String cell = PhaseReport.cell(rounds, PhaseFigures::completionRate, 0);
    double median = Stats.median(rates.stream().map(Integer::doubleValue).toList());
    assertThat(median)
        .isBetween(
            Stats.min(rates.stream().map(Integer::doubleValue).toList()),
            Stats.max(rates.stream().map(Integer::doubleValue).toList()));
    assertThat(cell).startsWith(String.format(java.util.Locale.ROOT, "%,.0f", median));
    assertThat(cell.contains("(")).isEqualTo(rates.size() > 1);
    assertThat(PhaseReport.cell(rounds, PhaseFigures::p50Ms, 1)).isEqualTo("–");
  }
}
