package io.millrace.spring;

import io.millrace.health.Readiness;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationListener;

/**
 * Makes Millrace's readiness report part of the application's readiness, through Spring's own
 * availability state, the one {@code /actuator/health/readiness} and Kubernetes probes read.
 * Millrace's readiness is the application's own warm-up (required projections catching up, blocking
 * backfills, the schema), which is what Boot's availability events are for; they exist with or
 * without the actuator.
 *
 * <p>The rule: while the report is not ready and the application accepts traffic, it is switched to
 * {@code REFUSING_TRAFFIC}; once the report is ready again, only a refusal this class made is
 * lifted, so another component's refusal stands. Spring itself publishes {@code ACCEPTING_TRAFFIC}
 * when the application is ready; that event triggers checks on this class's thread at once, after
 * 25 ms and after 250 ms, so a node still catching up refuses again within a few milliseconds. (A
 * check cannot run inside that event's delivery: Spring records the new state in a listener of the
 * same event, in an order a library cannot fix, so a refusal published from inside could be
 * overwritten by the acceptance it answers.) The report is also read every {@code
 * millrace.readiness.interval}.
 */
final class MillraceAvailability implements ApplicationListener<AvailabilityChangeEvent<?>> {
  private static final Logger log = LoggerFactory.getLogger(MillraceAvailability.class);

  private static final long[] AFTER_ACCEPTED_MILLIS = {0, 25, 250};

  private final Readiness readiness;
  private final ApplicationAvailability availability;
  private final ApplicationEventPublisher events;
  private final Duration interval;
  // Null until start() and after stop().
  private @Nullable ScheduledExecutorService timer;

  MillraceAvailability(
      Readiness readiness,
      ApplicationAvailability availability,
      ApplicationEventPublisher events,
      Duration interval) {
    this.readiness = readiness;
    this.availability = availability;
    this.events = events;
    this.interval = interval;
  }

  synchronized void start() {
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "millrace-readiness");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(this::checkSafely, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  synchronized void stop() {
    if (timer != null) {
      timer.shutdownNow();
      timer = null;
    }
  }

  @Override
  public void onApplicationEvent(AvailabilityChangeEvent<?> event) {
    if (event.getSource() == this || event.getState() != ReadinessState.ACCEPTING_TRAFFIC) {
      return;
    }
    synchronized (this) {
      if (timer != null) {
        for (long delay : AFTER_ACCEPTED_MILLIS) {
          timer.schedule(this::checkSafely, delay, TimeUnit.MILLISECONDS);
        }
      }
    }
  }

  private void checkSafely() {
    try {
      check();
    } catch (RuntimeException e) {
      // The next tick checks again; a failing report never leaves the timer dead.
      log.warn("reading Millrace's readiness failed: {}", e.getMessage(), e);
    }
  }

  /**
   * One check: refuse or accept traffic as the report and the current state require. Whose refusal
   * stands is read from the last readiness event's source, not remembered here, so it cannot go
   * stale when another component changes the state in between.
   */
  synchronized void check() {
    Readiness.Report report = readiness.report();
    AvailabilityChangeEvent<ReadinessState> last =
        availability.getLastChangeEvent(ReadinessState.class);
    ReadinessState current = last == null ? null : last.getState();
    if (!report.ready() && current == ReadinessState.ACCEPTING_TRAFFIC) {
      log.info("Millrace is not ready, refusing traffic: {}", report.pending());
      AvailabilityChangeEvent.publish(events, this, ReadinessState.REFUSING_TRAFFIC);
    } else if (report.ready()
        && current == ReadinessState.REFUSING_TRAFFIC
        && last != null
        && last.getSource() == this) {
      log.info("Millrace is ready, accepting traffic");
      AvailabilityChangeEvent.publish(events, this, ReadinessState.ACCEPTING_TRAFFIC);
    }
  }
}
