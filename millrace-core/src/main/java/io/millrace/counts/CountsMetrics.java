package io.millrace.counts;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.millrace.jobs.QueueLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Publishes queue counts as gauges: {@code millrace.queue.jobs{queue, state}} (state one of the
 * nine states, plus {@code terminal}) and {@code millrace.counters.trusted} (1 while exact reads
 * use the counters). Refreshed on the node's timer from one exact read, so a scrape never runs SQL.
 * Flow control: {@code millrace.queue.limit{queue, limit}} with limit {@code max_running}, {@code
 * rate_starts} and {@code rate_period_seconds}, one row per limit a queue has.
 */
final class CountsMetrics {
  private final Counts counts;
  private final MultiGauge jobs;
  private final MultiGauge limits;
  private final Supplier<Map<String, QueueLimits>> readLimits;
  private final AtomicInteger trusted = new AtomicInteger();

  CountsMetrics(
      Counts counts, Supplier<Map<String, QueueLimits>> readLimits, MeterRegistry registry) {
    this.counts = counts;
    this.readLimits = readLimits;
    this.limits =
        MultiGauge.builder("millrace.queue.limit")
            .description("A queue's cluster-wide flow control, one row per limit it has")
            .register(registry);
    this.jobs =
        MultiGauge.builder("millrace.queue.jobs")
            .description("Jobs per queue and state (finished states: since install)")
            .register(registry);
    Gauge.builder("millrace.counters.trusted", trusted, AtomicInteger::get)
        .description("1 while exact counts come from the counters, 0 while they scan history")
        .register(registry);
  }

  /** One exact read; replaces every row so queues that disappear stop being reported. */
  void refresh() {
    CountsReport report = counts.exact(List.of());
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    for (QueueCounts q : report.queues()) {
      add(rows, q.queue(), "available", q.available());
      add(rows, q.queue(), "scheduled", q.scheduled());
      add(rows, q.queue(), "running", q.running());
      add(rows, q.queue(), "retryable", q.retryable());
      add(rows, q.queue(), "pending", q.pending());
      add(rows, q.queue(), "completed", q.completed());
      add(rows, q.queue(), "failed", q.failed());
      add(rows, q.queue(), "cancelled", q.cancelled());
      add(rows, q.queue(), "skipped", q.skipped());
      add(rows, q.queue(), "terminal", q.terminal());
    }
    jobs.register(rows, true);
    trusted.set(report.fromCounters() ? 1 : 0);
    List<MultiGauge.Row<?>> limitRows = new ArrayList<>();
    readLimits
        .get()
        .forEach(
            (queue, l) -> {
              if (l.maxRunning() != null) {
                addLimit(limitRows, queue, "max_running", l.maxRunning());
              }
              Duration period = l.ratePeriod();
              if (l.rateLimit() != null && period != null) {
                addLimit(limitRows, queue, "rate_starts", l.rateLimit());
                addLimit(limitRows, queue, "rate_period_seconds", period.toMillis() / 1000.0);
              }
            });
    limits.register(limitRows, true);
  }

  private static void addLimit(
      List<MultiGauge.Row<?>> rows, String queue, String limit, double value) {
    rows.add(MultiGauge.Row.of(Tags.of("queue", queue, "limit", limit), value));
  }

  private static void add(List<MultiGauge.Row<?>> rows, String queue, String state, long value) {
    rows.add(MultiGauge.Row.of(Tags.of("queue", queue, "state", state), value));
  }
}
