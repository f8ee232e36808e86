package io.millrace.projections;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * A projection's meters, tagged {@code projection=<name>}: events replayed (applied) on this node,
 * lag from the head of the log, events per second, the duration of each catch-up to ready, how long
 * committed events have waited behind the read horizon, and whether it is ready or failed here.
 */
final class ProjectionMeters {
  private final Counter replayed;
  private final Timer rebuild;
  private volatile long lag;

  ProjectionMeters(MeterRegistry registry, String name, ProjectionRunner runner) {
    replayed =
        Counter.builder("millrace.projection.events.replayed")
            .description("Events applied to the projection by this node")
            .tag("projection", name)
            .register(registry);
    rebuild =
        Timer.builder("millrace.projection.rebuild.duration")
            .description("Time from the start of a catch-up (start-up, rebuild, retry) to ready")
            .tag("projection", name)
            .register(registry);
    Gauge.builder("millrace.projection.lag", this, m -> m.lag)
        .description(
            "Committed events after the projection's checkpoint (-1 before the first count)")
        .tag("projection", name)
        .register(registry);
    Gauge.builder("millrace.projection.events.per.second", runner, ProjectionRunner::rate)
        .tag("projection", name)
        .register(registry);
    Gauge.builder("millrace.projection.horizon.age", runner, r -> r.heldFor().toMillis() / 1000.0)
        .description(
            "Seconds that committed events have waited behind the read horizon (an open write"
                + " transaction in this database); 0 when none wait")
        .baseUnit("seconds")
        .tag("projection", name)
        .register(registry);
    Gauge.builder(
            "millrace.projection.ready",
            runner,
            r -> r.phase() == ProjectionRunner.Phase.READY ? 1 : 0)
        .description("1 when this node runs the projection and it has caught up")
        .tag("projection", name)
        .register(registry);
    Gauge.builder(
            "millrace.projection.failed",
            runner,
            r -> r.phase() == ProjectionRunner.Phase.FAILED ? 1 : 0)
        .tag("projection", name)
        .register(registry);
  }

  void applied(int events) {
    replayed.increment(events);
  }

  void lag(long events) {
    lag = events;
  }

  void rebuilt(Duration took) {
    rebuild.record(took);
  }
}
