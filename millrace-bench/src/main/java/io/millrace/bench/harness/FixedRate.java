package io.millrace.bench.harness;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * Workload (b) for one system: offers {@code rate × seconds} jobs at {@code rate} jobs/s for at
 * most {@code seconds} (a system whose inserts are slower offers fewer), crediting from real
 * elapsed time (never loop counts): every {@value #TICK_MS} ms the producer enqueues what it owes
 * by the clock, in batches of at most {@value #BATCH_MAX}, so a slow insert is made up in the next
 * tick. Each job's pickup latency runs from just before the insert statement that carries it to its
 * handler's start, both read from this JVM's monotonic clock.
 *
 * <p>The first {@value #WARM_UP_PERCENT}% of the jobs warm up (JIT, caches, pools) and are left out
 * of the percentiles. After the offer the run waits until every job completed, or {@value
 * #CUTOFF_S} s: jobs still unstarted then enter the percentiles with the time they had waited so
 * far (lower bounds, and the row counts them).
 */
final class FixedRate {
  static final int TICK_MS = 10;
  static final int BATCH_MAX = 128;
  static final int WARM_UP_PERCENT = 10;
  static final int CUTOFF_S = 30;
  private static final long HIGHEST_MICROS = TimeUnit.HOURS.toMicros(1);

  /** The producer's enqueue of jobs {@code from} to {@code to} (exclusive), one batch call. */
  interface Enqueue {
    void enqueue(int from, int to) throws Exception;
  }

  private final double rate;
  private final int seconds;
  private final int jobs;
  private final int warmUp;
  private final AtomicLongArray stampNanos;
  private final AtomicIntegerArray starts;
  private final LongAdder completions = new LongAdder();
  private final Histogram latencies = new org.HdrHistogram.ConcurrentHistogram(HIGHEST_MICROS, 3);

  FixedRate(double rate, int seconds) {
    this.rate = rate;
    this.seconds = seconds;
    this.jobs = (int) Math.max(1, Math.round(rate * seconds));
    this.warmUp = jobs * WARM_UP_PERCENT / 100;
    this.stampNanos = new AtomicLongArray(jobs);
    this.starts = new AtomicIntegerArray(jobs);
  }

  /** Handler start of job {@code index}. Any thread. */
  void started(int index) {
    long micros = (System.nanoTime() - stampNanos.get(index)) / 1_000;
    if (starts.getAndIncrement(index) == 0 && index >= warmUp) {
      latencies.recordValue(Math.max(0, Math.min(micros, HIGHEST_MICROS)));
    }
  }

  /** Handler end of job {@code index}. Any thread. */
  void completed(int index) {
    completions.increment();
  }

  /** Offers every job, waits for them (up to the cutoff) and returns the figures. */
  Peer.Latency offer(Enqueue producer) throws Exception {
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    int produced = 0;
    long next = start;
    // Offers for the nominal duration at most: a system whose inserts cannot keep the rate offers
    // fewer jobs, and the row says what rate it actually took.
    while (produced < jobs && System.nanoTime() < end) {
      int owed;
      while ((owed =
              (int) Math.min(jobs, (long) Math.floor(rate * (System.nanoTime() - start) / 1e9))
                  - produced)
          > 0) {
        int n = Math.min(owed, BATCH_MAX);
        long now = System.nanoTime();
        for (int i = produced; i < produced + n; i++) {
          stampNanos.set(i, now);
        }
        producer.enqueue(produced, produced + n);
        produced += n;
      }
      next += TimeUnit.MILLISECONDS.toNanos(TICK_MS);
      long now = System.nanoTime();
      if (next > now) {
        TimeUnit.NANOSECONDS.sleep(next - now);
      } else {
        next = now; // behind: the credit from the clock already carries the missed time
      }
    }
    double offered = produced / ((System.nanoTime() - start) / 1e9);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CUTOFF_S);
    while (completions.sum() < produced && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    long cutoff = System.nanoTime();
    long unstarted = 0;
    for (int i = 0; i < produced; i++) {
      if (starts.get(i) == 0) {
        unstarted++;
        if (i >= warmUp) {
          latencies.recordValue(Math.min((cutoff - stampNanos.get(i)) / 1_000, HIGHEST_MICROS));
        }
      } else if (starts.get(i) > 1) {
        throw new IllegalStateException("job " + i + " started " + starts.get(i) + " times");
      }
    }
    return new Peer.Latency(
        offered,
        latencies.getValueAtPercentile(50) / 1e3,
        latencies.getValueAtPercentile(95) / 1e3,
        latencies.getValueAtPercentile(99) / 1e3,
        unstarted);
  }
}
