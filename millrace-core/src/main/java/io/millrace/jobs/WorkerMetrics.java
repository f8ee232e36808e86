package io.millrace.jobs;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The worker's Micrometer meters, tagged by queue (and kind for handler time). */
final class WorkerMetrics {
  private final MeterRegistry registry;

  WorkerMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  void claimed(String queue, int n) {
    counter("millrace.jobs.claimed", queue).increment(n);
  }

  /** A claim from a queue with limits that its limits held back (flow control). */
  void heldBack(String queue) {
    counter("millrace.jobs.claims.held.back", queue).increment();
  }

  void completed(String queue) {
    counter("millrace.jobs.completed", queue).increment();
  }

  void attemptFailed(String queue) {
    counter("millrace.jobs.attempts.failed", queue).increment();
  }

  void failed(String queue) {
    counter("millrace.jobs.failed", queue).increment();
  }

  void cancelled(String queue) {
    counter("millrace.jobs.cancelled", queue).increment();
  }

  void snoozed(String queue) {
    counter("millrace.jobs.snoozed", queue).increment();
  }

  /** A write rejected by fencing: the attempt had lost its lease. */
  void fenced(String queue) {
    counter("millrace.jobs.fenced.writes", queue).increment();
  }

  /** An attempt reached its deadline with its handler still running; it is recorded failed. */
  void timedOut(String queue) {
    counter("millrace.jobs.timeouts", queue).increment();
  }

  /** A completion that could not be written even alone, recorded as failed instead. */
  void completionUnwritable(String queue) {
    counter("millrace.jobs.completions.unwritable", queue).increment();
  }

  /** A completion batch failed to write and will be retried (the database was unreachable, say). */
  void completionFlushFailed() {
    Counter.builder("millrace.jobs.completion.flush.errors").register(registry).increment();
  }

  /**
   * How long the handler ran, as a histogram (Prometheus {@code _bucket} series), so quantiles can
   * be aggregated across nodes; buckets from 1 ms to 1 h.
   */
  void handlerTime(String queue, String kind, long nanos) {
    Timer.builder("millrace.jobs.handler.duration")
        .tag("queue", queue)
        .tag("kind", kind)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofHours(1))
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * From the moment a job was due (its run_at: enqueue, retry backoff or snooze over) until a
   * handler thread of this node took its attempt, as a histogram by queue; buckets from 1 ms to 1
   * h. Includes the time the attempt waited in this node's prefetch buffer.
   */
  void pickupDelay(String queue, long nanos) {
    Timer.builder("millrace.jobs.pickup.delay")
        .tag("queue", queue)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofHours(1))
        .register(registry)
        .record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
  }

  private Counter counter(String name, String queue) {
    return Counter.builder(name).tag("queue", queue).register(registry);
  }
}
