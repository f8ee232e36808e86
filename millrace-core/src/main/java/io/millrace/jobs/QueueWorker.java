package io.millrace.jobs;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims jobs of one queue and hands them to a fixed pool of {@code concurrency} threads.
 *
 * <p>A claim never takes more jobs than there are free slots, so claimed jobs start at once and
 * nothing sits leased in memory. After a full batch the loop claims again straight away; after a
 * short one it sleeps until a NOTIFY for this queue, a freed slot, or the poll interval.
 *
 * <p>Termination: {@link #stopClaiming} ends the loop after its current claim. Claim errors (the
 * database restarting, a killed connection) are logged and retried after a growing pause, so the
 * worker resumes by itself when PostgreSQL comes back.
 */
final class QueueWorker implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(QueueWorker.class);

  private final String queue;
  private final int concurrency;
  private final JobStore store;
  private final AttemptRunner runner;
  private final ExecutorService pool;
  private final Map<Long, Attempt> inFlight;
  private final WorkerSettings settings;
  private final WorkerMetrics metrics;
  private static final long GATHER_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  private final Semaphore slots;
  private final Object wake = new Object();
  private volatile boolean claiming = true;
  /** The last claim filled every free slot, so more jobs are probably waiting. */
  private volatile boolean backlogLikely;
  private boolean woken;

  QueueWorker(
      String queue,
      int concurrency,
      JobStore store,
      AttemptRunner runner,
      ExecutorService pool,
      Map<Long, Attempt> inFlight,
      WorkerSettings settings,
      WorkerMetrics metrics) {
    this.queue = queue;
    this.concurrency = concurrency;
    this.store = store;
    this.runner = runner;
    this.pool = pool;
    this.inFlight = inFlight;
    this.settings = settings;
    this.metrics = metrics;
    this.slots = new Semaphore(concurrency);
  }

  String queue() {
    return queue;
  }

  /** Wakes the loop: new jobs were announced or a slot was freed. */
  void wakeUp() {
    synchronized (wake) {
      woken = true;
      wake.notifyAll();
    }
  }

  void stopClaiming() {
    claiming = false;
    wakeUp();
  }

  /** Jobs whose handlers are running now. */
  int busy() {
    return concurrency - slots.availablePermits();
  }

  @Override
  public void run() {
    long errorPauseMs = 100;
    while (claiming) {
      if (backlogLikely) {
        gatherSlots();
      }
      int free = slots.drainPermits();
      if (free == 0) {
        sleep(settings.pollInterval());
        continue;
      }
      int want = Math.min(free, settings.fetchBatch());
      slots.release(free - want);
      List<ClaimedJob> claimed;
      try {
        claimed = store.claim(queue, want, settings.nodeId(), settings.lease());
        errorPauseMs = 100;
      } catch (Exception e) {
        slots.release(want);
        log.error("claiming from queue {} failed; retrying in {} ms: {}", queue, errorPauseMs, e.getMessage());
        sleep(Duration.ofMillis(errorPauseMs));
        errorPauseMs = Math.min(errorPauseMs * 2, 5_000);
        continue;
      }
      slots.release(want - claimed.size());
      if (!claimed.isEmpty()) {
        metrics.claimed(queue, claimed.size());
      }
      for (ClaimedJob job : claimed) {
        Attempt attempt = new Attempt(job);
        inFlight.put(job.id(), attempt);
        pool.execute(() -> {
          try {
            runner.run(attempt);
          } finally {
            slots.release();
            if (backlogLikely) {
              wakeUp();
            }
          }
        });
      }
      backlogLikely = claimed.size() == want;
      if (!backlogLikely) {
        sleep(settings.pollInterval());
      }
    }
  }

  /**
   * With a backlog, claiming the moment one slot frees costs one statement per job. Waiting up to
   * {@link #GATHER_NANOS} for a quarter of the slots (or a full fetch batch) to free turns that into
   * one claim per many jobs; handlers that finish together (as short jobs do) lose nothing.
   */
  private void gatherSlots() {
    int want = Math.min(settings.fetchBatch(), Math.max(1, concurrency / 4));
    long deadline = System.nanoTime() + GATHER_NANOS;
    synchronized (wake) {
      while (claiming && slots.availablePermits() < want) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        try {
          wake.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          claiming = false;
        }
      }
      woken = false;
    }
  }

  private void sleep(Duration max) {
    synchronized (wake) {
      if (!woken && claiming) {
        try {
          wake.wait(Math.max(1, max.toMillis()));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          claiming = false;
        }
      }
      woken = false;
    }
  }

  /** Waits for running handlers to return, up to the deadline. */
  boolean awaitIdle(long deadlineNanos) throws InterruptedException {
    while (busy() > 0) {
      if (System.nanoTime() > deadlineNanos) {
        return false;
      }
      TimeUnit.MILLISECONDS.sleep(20);
    }
    return true;
  }
}
