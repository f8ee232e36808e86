package io.millrace.bench.harness;

import io.millrace.bench.Stats;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * The harness's table over several rounds: per system, each figure's median with its spread
 * (lowest–highest), and each ratio to Millrace taken within a round first (the two systems ran
 * minutes apart, on the same machine state) and then its median. A latency cell starts with ≥ when
 * any round left jobs unstarted (its percentiles are lower bounds).
 */
final class RoundsTable {
  private RoundsTable() {}

  static String render(
      Harness.Options o, String where, double rate, List<List<Harness.Row>> rounds) {
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "Harness: %d rounds (systems in the listed order in odd rounds, reversed in even ones),"
                + " %d jobs, %d workers, %d ms of work per job, pool of %d connections per system;"
                + " pickup latency at %.0f jobs/s offered for %d s; %s. Each cell: median"
                + " (lowest–highest); each ratio to Millrace taken within its round.%n%n",
            rounds.size(),
            o.jobs(),
            o.workers(),
            o.workMs(),
            o.workers() + Harness.SPARE_CONNECTIONS,
            rate,
            o.latencySeconds(),
            where));
    s.append(
        "| system | drain jobs/s | drain ÷ Millrace | bulk enqueue jobs/s | enqueue ÷ Millrace"
            + " | pickup p50 ms | p99 ms | p99 ÷ Millrace |\n");
    s.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    int systems = rounds.get(0).size();
    for (int i = 0; i < systems; i++) {
      int row = i;
      Harness.Row first = rounds.get(0).get(row);
      s.append("| ").append(first.peer().name()).append(" | ");
      s.append(cell(rounds, r -> r.get(row).result().drainPerSecond(), 0)).append(" | ");
      s.append(
              cell(
                  rounds,
                  r ->
                      r.get(row).result().drainPerSecond()
                          / Harness.millraceRow(r).result().drainPerSecond(),
                  2))
          .append(" | ");
      s.append(cell(rounds, r -> r.get(row).result().enqueuePerSecond(), 0)).append(" | ");
      s.append(
              cell(
                  rounds,
                  r ->
                      r.get(row).result().enqueuePerSecond()
                          / Harness.millraceRow(r).result().enqueuePerSecond(),
                  2))
          .append(" | ");
      if (first.latency() == null) {
        s.append("— | — | — |\n");
        continue;
      }
      String bound = rounds.stream().anyMatch(r -> unstarted(r.get(row).latency()) > 0) ? "≥ " : "";
      s.append(bound).append(cell(rounds, r -> latency(r.get(row)).p50Ms(), 1)).append(" | ");
      s.append(bound).append(cell(rounds, r -> latency(r.get(row)).p99Ms(), 1)).append(" | ");
      s.append(
              cell(
                  rounds,
                  r -> latency(r.get(row)).p99Ms() / latency(Harness.millraceRow(r)).p99Ms(),
                  2))
          .append(" |\n");
    }
    return s.toString();
  }

  private static Peer.Latency latency(Harness.Row row) {
    Peer.@Nullable Latency l = row.latency();
    if (l == null) {
      throw new IllegalStateException(row.peer().name() + " measured no latency in a round");
    }
    return l;
  }

  private static long unstarted(Peer.@Nullable Latency l) {
    return l == null ? 0 : l.unstarted();
  }

  /** The median of one figure over the rounds, with its lowest and highest. */
  private static String cell(
      List<List<Harness.Row>> rounds, ToDoubleFunction<List<Harness.Row>> figure, int digits) {
    return Stats.spread(rounds.stream().map(r -> figure.applyAsDouble(r)).toList(), digits);
  }
}
