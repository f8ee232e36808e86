package io.millrace.cli;

import io.millrace.Millrace;
import io.millrace.MillraceBuilder;
import io.millrace.jobs.JobRequest;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code serve --demo}: a {@code demo.hello} handler and a job every 10 s, so a first run shows
 * jobs being enqueued, claimed and completed in the logs.
 *
 * <p>The ticker is an in-process timer rather than a core periodic job on purpose: periodic
 * schedules are stored in the database and fired by whichever node leads, so a demo schedule would
 * keep enqueuing demo jobs after a later {@code serve} without {@code --demo}, with nobody to run
 * them.
 */
final class Demo implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Demo.class);
  static final String KIND = "demo.hello";
  static final Duration EVERY = Duration.ofSeconds(10);

  /** The demo handler's args: {@code {"name": "you"}}; a missing name greets the world. */
  record Hello(String name) {}

  private final ScheduledExecutorService timer;

  private Demo(ScheduledExecutorService timer) {
    this.timer = timer;
  }

  static void register(MillraceBuilder builder, int concurrency) {
    builder
        .queue(JobRequest.DEFAULT_QUEUE, concurrency)
        .handler(
            KIND,
            Hello.class,
            job -> {
              String name =
                  job.args() == null || job.args().name() == null ? "world" : job.args().name();
              log.info("{} job {} (attempt {}): hello, {}!", KIND, job.id(), job.attempt(), name);
              return Map.of("greeting", "hello, " + name + "!");
            });
  }

  static Demo start(Millrace millrace) {
    ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "millrace-demo");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(
        () -> {
          try {
            long id = millrace.enqueue(JobRequest.of(KIND, new Hello("demo")).tags("demo")).id();
            log.info("demo: enqueued {} job {}", KIND, id);
          } catch (RuntimeException e) {
            // Keep ticking: a failed enqueue (database restarting) must not end the demo.
            log.warn("demo: could not enqueue a {} job: {}", KIND, e.getMessage());
          }
        },
        0,
        EVERY.toMillis(),
        TimeUnit.MILLISECONDS);
    return new Demo(timer);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
