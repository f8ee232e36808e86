package io.millrace.bench.adapter;

import io.millrace.Millrace;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Offers load: every {@code PRODUCER_BATCH_MS} it works out how many jobs it owes and enqueues them
 * in batches of at most {@code PRODUCER_BATCH_MAX}, one statement and transaction per batch.
 *
 * <ul>
 *   <li><b>fixed</b>: owed = rate × real time elapsed since start − jobs already produced. Credit
 *       comes from the clock, never from loop counts or nominal periods, so a slow cycle (GC, a
 *       slow insert) is made up in the next one and the offered rate is the configured one however
 *       the database answers. It is re-read after every batch so time spent inserting is credited
 *       too.
 *   <li><b>depth-target</b>: owed = target − unfinished jobs, read from the database each cycle.
 * </ul>
 *
 * <p>Terminates when {@link #stop()} is called (checked between batches). A failed enqueue is
 * logged and retried next cycle; in fixed mode its jobs stay owed, so nothing offered is silently
 * dropped.
 */
final class Producer implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Producer.class);

  private final Millrace client;
  private final BenchArgs.Factory jobs;
  private final AdapterConfig config;
  private final LongSupplier depth;
  private final LongAdder enqueued;
  private volatile boolean running = true;
  private long produced;

  Producer(
      Millrace client,
      BenchArgs.Factory jobs,
      AdapterConfig config,
      LongSupplier depth,
      LongAdder enqueued) {
    this.client = client;
    this.jobs = jobs;
    this.config = config;
    this.depth = depth;
    this.enqueued = enqueued;
  }

  void stop() {
    running = false;
  }

  @Override
  public void run() {
    long start = System.nanoTime();
    long period = TimeUnit.MILLISECONDS.toNanos(config.producerBatchMs());
    long next = start;
    while (running) {
      try {
        if (config.producerMode() == AdapterConfig.ProducerMode.FIXED) {
          long owed;
          while (running && (owed = fixedCredit(start)) > 0) {
            send((int) Math.min(owed, config.producerBatchMax()));
          }
        } else {
          long owed = config.targetDepth() - depth.getAsLong();
          while (running && owed > 0) {
            int n = (int) Math.min(owed, config.producerBatchMax());
            send(n);
            owed -= n;
          }
        }
      } catch (RuntimeException e) {
        log.warn("enqueue failed, retrying next cycle: {}", e.getMessage());
      }
      next += period;
      long now = System.nanoTime();
      if (next < now) {
        next = now; // behind: fixed mode's credit already carries the missed time
      }
      try {
        TimeUnit.NANOSECONDS.sleep(next - now);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private long fixedCredit(long start) {
    double elapsedSeconds = (System.nanoTime() - start) / 1e9;
    return (long) Math.floor(config.producerRate() * elapsedSeconds) - produced;
  }

  private void send(int n) {
    client.enqueueAll(jobs.batch(n));
    produced += n;
    enqueued.add(n);
  }
}
