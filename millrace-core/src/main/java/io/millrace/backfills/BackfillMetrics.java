package io.millrace.backfills;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Meters of the backfills this node runs, tagged {@code backfill=<name>}: progress gauges ({@code
 * millrace.backfill.rows.processed}, {@code .rows.total}, {@code .rate}, {@code .eta}, {@code
 * .batch.size}, {@code .running}), batch outcomes ({@code millrace.backfill.batches} by {@code
 * outcome}: committed, timeout, busy — a wait for someone else's lock on the target, also counted
 * as a throttle wait — and failed) and durations, and throttle waits. An unknown total or ETA is
 * NaN. Gauges show this node's last known values; the registry's mirror is the cluster-wide view.
 */
final class BackfillMetrics {
  /** The values the gauges read; replaced after every batch. */
  record Snapshot(
      long processed, double total, double rate, double eta, int batchSize, boolean running) {
    static final Snapshot IDLE = new Snapshot(0, Double.NaN, Double.NaN, Double.NaN, 0, false);
  }

  private final MeterRegistry meters;
  private final Map<String, Snapshot> snapshots = new ConcurrentHashMap<>();

  BackfillMetrics(MeterRegistry meters, List<Backfill> backfills) {
    this.meters = meters;
    for (Backfill b : backfills) {
      String name = b.name();
      snapshots.put(name, Snapshot.IDLE);
      gauge("millrace.backfill.rows.processed", name, s -> s.processed());
      gauge("millrace.backfill.rows.total", name, Snapshot::total);
      gauge("millrace.backfill.rate", name, Snapshot::rate);
      gauge("millrace.backfill.eta", name, Snapshot::eta);
      gauge("millrace.backfill.batch.size", name, s -> s.batchSize());
      gauge("millrace.backfill.running", name, s -> s.running() ? 1 : 0);
    }
  }

  private void gauge(
      String meter, String name, java.util.function.ToDoubleFunction<Snapshot> value) {
    Gauge.builder(meter, snapshots, m -> value.applyAsDouble(m.getOrDefault(name, Snapshot.IDLE)))
        .tag("backfill", name)
        .register(meters);
  }

  void update(String name, Progress p, BatchSizer sizer, boolean running) {
    int batchSize = sizer.size();
    Long total = p.total();
    Double rate = p.rate();
    Double eta = p.etaSeconds(sizer);
    snapshots.put(
        name,
        new Snapshot(
            p.processed(),
            total == null ? Double.NaN : total,
            rate == null ? Double.NaN : rate,
            eta == null ? Double.NaN : eta,
            batchSize,
            running));
  }

  void stopped(String name) {
    snapshots.computeIfPresent(
        name,
        (k, s) -> new Snapshot(s.processed(), s.total(), s.rate(), s.eta(), s.batchSize(), false));
  }

  void batch(String name, String outcome, long nanos) {
    Counter.builder("millrace.backfill.batches")
        .tag("backfill", name)
        .tag("outcome", outcome)
        .register(meters)
        .increment();
    if ("committed".equals(outcome)) {
      Timer.builder("millrace.backfill.batch.duration")
          .tag("backfill", name)
          .register(meters)
          .record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  void throttled(String name) {
    Counter.builder("millrace.backfill.throttle.waits")
        .tag("backfill", name)
        .register(meters)
        .increment();
  }
}
