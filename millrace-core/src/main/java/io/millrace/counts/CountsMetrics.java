package io.millrace.counts;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Publishes queue counts as gauges: {@code millrace.queue.jobs{queue, state}} (state one of the
 * nine states, plus {@code terminal}) and {@code millrace.counters.trusted} (1 while exact reads
 * use the counters). Refreshed on the node's timer from one exact read, so a scrape never runs SQL.
 */
final class CountsMetrics {
  private final Counts counts;
  private final MultiGauge jobs;
  private final AtomicInteger trusted = new AtomicInteger();

  CountsMetrics(Counts counts, MeterRegistry registry) {
    this.counts = counts;
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
  }

  private static void add(List<MultiGauge.Row<?>> rows, String queue, String state, long value) {
    rows.add(MultiGauge.Row.of(Tags.of("queue", queue, "state", state), value));
  }
}
