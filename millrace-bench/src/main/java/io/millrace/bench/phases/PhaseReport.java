package io.millrace.bench.phases;

import io.millrace.bench.Stats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The figures of every round of one worker count as a Markdown table: a row per system and phase,
 * each cell the median over rounds with the spread (lowest–highest) beside it when there were
 * several.
 */
final class PhaseReport {
  /** One run: a system at one worker count in one round. */
  record Run(String system, int round, List<PhaseFigures> phases) {}

  private PhaseReport() {}

  static String table(int workers, String settings, List<Run> runs) {
    // system -> phase -> figures of each round, in the order first seen
    Map<String, Map<String, List<PhaseFigures>>> bySystem = new LinkedHashMap<>();
    for (Run run : runs) {
      for (PhaseFigures f : run.phases()) {
        bySystem
            .computeIfAbsent(run.system(), k -> new LinkedHashMap<>())
            .computeIfAbsent(f.phase(), k -> new ArrayList<>())
            .add(f);
      }
    }
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "%d workers; %s%n%n", workers, settings));
    s.append(
        "| system | phase | rounds | completed jobs/s | pickup p50 ms | pickup p99 ms"
            + " | dead tuples at start | midway | at end |\n");
    s.append("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    bySystem.forEach(
        (system, phases) ->
            phases.forEach(
                (phase, rounds) ->
                    s.append("| ")
                        .append(system)
                        .append(" | ")
                        .append(phase)
                        .append(" | ")
                        .append(rounds.size())
                        .append(" | ")
                        .append(cell(rounds, PhaseFigures::completionRate, 0))
                        .append(" | ")
                        .append(cell(rounds, PhaseFigures::p50Ms, 1))
                        .append(" | ")
                        .append(cell(rounds, PhaseFigures::p99Ms, 1))
                        .append(" | ")
                        .append(cell(rounds, f -> f.deadAtStart(), 0))
                        .append(" | ")
                        .append(cell(rounds, f -> f.deadMidway(), 0))
                        .append(" | ")
                        .append(cell(rounds, f -> f.deadAtEnd(), 0))
                        .append(" |\n")));
    return s.toString();
  }

  /** "median (lowest–highest)", or the one value, or "–" when no round had the figure. */
  static String cell(List<PhaseFigures> rounds, ToDoubleFunction<PhaseFigures> figure, int digits) {
    return Stats.spread(rounds.stream().map(f -> figure.applyAsDouble(f)).toList(), digits);
  }
}
