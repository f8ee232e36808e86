package io.millrace.jobs;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Handler threads still running past their deadline, per queue. Their attempts are already recorded
 * as timed out; the threads stay out of their queue's pool until the handler returns, so a queue
 * whose every thread overran claims nothing (and the worker count stays a true bound on this node's
 * handler threads).
 */
final class Overruns {
  private final Map<String, AtomicInteger> byQueue = new ConcurrentHashMap<>();
  private final MeterRegistry registry;

  Overruns(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Registers the queue's gauge, so it reads 0 before anything overran. */
  void register(String queue) {
    counter(queue);
  }

  void started(String queue) {
    counter(queue).incrementAndGet();
  }

  void ended(String queue) {
    counter(queue).decrementAndGet();
  }

  int count(String queue) {
    AtomicInteger n = byQueue.get(queue);
    return n == null ? 0 : n.get();
  }

  int total() {
    return byQueue.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  private AtomicInteger counter(String queue) {
    return byQueue.computeIfAbsent(
        queue,
        q -> {
          AtomicInteger n = new AtomicInteger();
          Gauge.builder("millrace.jobs.overrun.handlers", n, AtomicInteger::get)
              .description("handler threads still running past their attempt's deadline")
              .tag("queue", q)
              .register(registry);
          return n;
        });
  }
}
