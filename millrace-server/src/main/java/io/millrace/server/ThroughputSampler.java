package io.millrace.server;

import io.millrace.Millrace;
import io.millrace.counts.CountsReport;
import io.millrace.counts.QueueCounts;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Throughput over time for the dashboard: every {@code interval} it reads the finished-job counters
 * (the cheap read of {@code Counts.fast}: O(counter rows), never a history scan) and keeps the
 * differences, per state, for the last {@link #KEEP} intervals. Counting finishes from history by
 * minute would scan the newest partition at every refresh; the counters make it free.
 *
 * <p>The figures cover the whole cluster (the counters are shared) but only the time since this
 * server started sampling. An operator's retry of a finished job lowers a counter; a negative
 * difference is shown as zero for that interval rather than as negative throughput.
 *
 * <p>Termination and idempotence: a daemon timer that only reads; {@link #close} stops it, and a
 * failed read (database away) is logged and leaves a gap, the next tick samples again. Killing it
 * at any point loses at most the samples in memory and changes nothing in the database, so there is
 * no work that could be finished twice or not at all.
 */
final class ThroughputSampler implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ThroughputSampler.class);

  /** Samples kept: 360 × 5 s = the last 30 minutes at the default interval. */
  static final int KEEP = 360;

  /** Jobs that finished in the interval ending at {@code at}. */
  record Sample(Instant at, long completed, long failed, long cancelled) {}

  /** The answer of {@code GET /api/stats/throughput}. */
  record Series(long intervalMillis, List<Sample> samples) {}

  private final Millrace millrace;
  private final Duration interval;
  private final ArrayDeque<Sample> samples = new ArrayDeque<>();
  private final ScheduledExecutorService timer;
  // Null until the first sample.
  private long @Nullable [] last;

  ThroughputSampler(Millrace millrace, Duration interval) {
    this.millrace = millrace;
    this.interval = interval;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "millrace-throughput");
              t.setDaemon(true);
              return t;
            });
  }

  void start() {
    timer.scheduleWithFixedDelay(this::sampleSafely, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  synchronized Series series() {
    return new Series(interval.toMillis(), new ArrayList<>(samples));
  }

  private void sampleSafely() {
    try {
      sample();
    } catch (RuntimeException e) {
      log.warn("throughput sample failed (the chart shows a gap): {}", e.getMessage());
    }
  }

  void sample() {
    CountsReport report = millrace.counts().fast(List.of());
    long[] now = new long[3];
    for (QueueCounts q : report.queues()) {
      now[0] += q.completed();
      now[1] += q.failed();
      now[2] += q.cancelled();
    }
    synchronized (this) {
      if (last != null) {
        samples.addLast(
            new Sample(
                Instant.now(),
                Math.max(0, now[0] - last[0]),
                Math.max(0, now[1] - last[1]),
                Math.max(0, now[2] - last[2])));
        while (samples.size() > KEEP) {
          samples.removeFirst();
        }
      }
      last = now;
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
