package io.millrace.bench.adapter;

import java.time.Instant;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ticks on every wall-clock second: rolls the latency window, and at each multiple of {@code
 * SAMPLE_EVERY_S} since the epoch writes one line per metric, so samples of several instances and
 * systems line up without any coordination.
 *
 * <ul>
 *   <li>{@code claim_p50_ms}, {@code claim_p95_ms}, {@code claim_p99_ms}: enqueue → handler start
 *       over the last 30 s ({@code window_s} 30); omitted while no job started in that window,
 *       because a 0 would read as a perfect latency.
 *   <li>{@code enqueue_rate}, {@code completion_rate}: jobs/s since the previous sample, divided by
 *       the measured elapsed time. A completion counts when its handler returns; Millrace commits
 *       it within its completion linger (2 ms by default) in a batched statement.
 *   <li>{@code queue_depth}: unfinished jobs in the hot table (instance 0 only, so a harness
 *       running several instances does not count the same table several times).
 * </ul>
 *
 * <p>Terminates when {@link #stop()} interrupts it; a failed depth read is logged and that line
 * skipped, the other metrics still go out.
 */
final class Sampler implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Sampler.class);

  private final Telemetry telemetry;
  private final LatencyWindow latency;
  private final LongAdder enqueued;
  private final LongAdder completed;
  private final LongSupplier depth;
  private final int every;
  private final int instanceId;
  private long lastNanos = System.nanoTime();
  private long lastEnqueued;
  private long lastCompleted;
  // Null until run() starts on its thread.
  private volatile @Nullable Thread thread;

  Sampler(
      Telemetry telemetry,
      LatencyWindow latency,
      LongAdder enqueued,
      LongAdder completed,
      LongSupplier depth,
      AdapterConfig config) {
    this.telemetry = telemetry;
    this.latency = latency;
    this.enqueued = enqueued;
    this.completed = completed;
    this.depth = depth;
    this.every = config.sampleEverySeconds();
    this.instanceId = config.instanceId();
  }

  @Override
  public void run() {
    thread = Thread.currentThread();
    while (!Thread.currentThread().isInterrupted()) {
      long nowMillis = System.currentTimeMillis();
      long nextSecond = Math.floorDiv(nowMillis, 1000L) + 1;
      try {
        Thread.sleep(nextSecond * 1000 - nowMillis);
      } catch (InterruptedException e) {
        return;
      }
      latency.roll(nextSecond - 1);
      if (nextSecond % every == 0) {
        sample(Instant.ofEpochSecond(nextSecond), nextSecond - 1, every);
      }
    }
  }

  void stop() {
    Thread t = thread;
    if (t != null) {
      t.interrupt();
    }
  }

  /** The last, partial window, written at shutdown after the producer has stopped. */
  void finalFlush() {
    Instant now = Instant.now();
    latency.roll(now.getEpochSecond());
    int window = (int) Math.max(1, Math.ceil((System.nanoTime() - lastNanos) / 1e9));
    sample(now, now.getEpochSecond(), window);
  }

  private synchronized void sample(Instant t, long lastSecond, int windowSeconds) {
    long nanos = System.nanoTime();
    double elapsed = Math.max(1e-3, (nanos - lastNanos) / 1e9);
    long enq = enqueued.sum();
    long done = completed.sum();
    Histogram h = latency.window(lastSecond);
    if (h.getTotalCount() > 0) {
      telemetry.metric(
          t,
          "claim_p50_ms",
          h.getValueAtPercentile(50) / 1000.0,
          LatencyWindow.SECONDS,
          instanceId);
      telemetry.metric(
          t,
          "claim_p95_ms",
          h.getValueAtPercentile(95) / 1000.0,
          LatencyWindow.SECONDS,
          instanceId);
      telemetry.metric(
          t,
          "claim_p99_ms",
          h.getValueAtPercentile(99) / 1000.0,
          LatencyWindow.SECONDS,
          instanceId);
    }
    telemetry.metric(t, "enqueue_rate", (enq - lastEnqueued) / elapsed, windowSeconds, instanceId);
    telemetry.metric(
        t, "completion_rate", (done - lastCompleted) / elapsed, windowSeconds, instanceId);
    if (instanceId == 0) {
      try {
        telemetry.metric(t, "queue_depth", depth.getAsLong(), windowSeconds, instanceId);
      } catch (RuntimeException e) {
        log.warn("queue depth not read: {}", e.getMessage());
      }
    }
    lastNanos = nanos;
    lastEnqueued = enq;
    lastCompleted = done;
  }
}
