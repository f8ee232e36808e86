package io.millrace.bench.soak;

import io.millrace.Millrace;
import io.millrace.jobs.JobRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A producer thread offering {@code rate} jobs/s to Millrace, credited from real elapsed time (a
 * slow insert is made up in the next 10 ms tick, never dropped), in batches of at most 128 jobs of
 * about 256 bytes of args. The soak benchmarks count completions on the handler side.
 *
 * <p>Terminates when {@link #close()} is called (checked between batches); a failed insert is
 * logged and its jobs stay owed, so the next tick offers them again.
 */
final class FixedRateLoad implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FixedRateLoad.class);
  static final String KIND = "soak";

  private final Millrace client;
  private final double rate;
  private final LongAdder enqueued = new LongAdder();
  private final Thread thread;
  private volatile boolean running = true;

  FixedRateLoad(Millrace client, double rate) {
    this.client = client;
    this.rate = rate;
    this.thread = new Thread(this::run, "soak-producer");
    thread.start();
  }

  long enqueued() {
    return enqueued.sum();
  }

  private void run() {
    String pad = "x".repeat(220);
    long start = System.nanoTime();
    long produced = 0;
    long next = start;
    while (running) {
      long owed;
      while (running
          && (owed = (long) Math.floor(rate * (System.nanoTime() - start) / 1e9) - produced) > 0) {
        int n = (int) Math.min(owed, 128);
        List<JobRequest> batch = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          batch.add(JobRequest.of(KIND, Map.of("pad", pad)));
        }
        try {
          client.enqueueAll(batch);
        } catch (RuntimeException e) {
          log.warn("enqueue failed, offering again next tick: {}", e.getMessage());
          break;
        }
        produced += n;
        enqueued.add(n);
      }
      next += TimeUnit.MILLISECONDS.toNanos(10);
      long now = System.nanoTime();
      if (next > now) {
        try {
          TimeUnit.NANOSECONDS.sleep(next - now);
        } catch (InterruptedException e) {
          return;
        }
      } else {
        next = now;
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join();
  }
}
