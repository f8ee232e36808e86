package io.millrace.jobs;

import io.millrace.internal.sql.SqlErrors;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works one queue: a claim loop keeps a small local buffer of claimed jobs, and {@code concurrency}
 * handler threads take from it.
 *
 * <p>Why a buffer: a claim is a database round trip with a commit (a WAL flush). Claiming only when
 * a handler is already idle puts that round trip between every pair of jobs on a slot; with short
 * jobs the slot then spends most of its time waiting. With up to {@code prefetch} jobs claimed
 * ahead, a handler that finishes takes the next job from memory at once, and one claim statement
 * refills many slots. Buffered jobs are leased like running ones (the heartbeat covers every
 * attempt this node holds), a cancel or lost lease stops them before they start, and shutdown
 * releases them without counting an attempt.
 *
 * <p>The loop claims when there is room for a worthwhile batch (a quarter of its capacity) or the
 * buffer ran dry. After a full claim, finishing handlers wake it as room appears. After a short
 * claim that found jobs, the handler that takes the last buffered job wakes it, so the next claim
 * runs while that job does: jobs keep flowing without a NOTIFY. After a claim that found nothing it
 * sleeps until a NOTIFY for this queue, or {@link #FIRST_RECHECK} at first and twice as long after
 * each empty claim: up to {@link #BUSY_RECHECK_MAX} while the queue found jobs within the last
 * {@link #BUSY_WINDOW} (a pause in a stream of jobs must not grow into a long sleep), then up to
 * the poll interval (an idle queue costs one claim per poll interval). Why not wait for the NOTIFY
 * alone: while this node works thousands of jobs a second, PostgreSQL delivers notifications late
 * (measured with an independent listener at 6,000 jobs/s: p90 18–238 ms, p99 up to 550 ms, against
 * 1.5 ms on a quiet database), and a loop that waited for them left its handlers idle behind a
 * growing backlog.
 *
 * <p>Claims start their index scan where {@link ClaimCursor} says claimable jobs begin, past the
 * entries earlier claims left dead, with a claim from the head of the index at least every {@link
 * ClaimCursor#FULL_CLAIM_EVERY}.
 *
 * <p>A handler thread that overran its attempt's deadline ({@link Overruns}) keeps its slot until
 * the handler returns: the pool never grows to replace it. When every thread of the queue is
 * overrun the loop claims nothing and hands back what it had buffered, so other nodes run those
 * jobs instead of them waiting here for threads that may never come back.
 *
 * <p>Termination: {@link #stopClaiming} ends the loop after its current claim; {@link
 * #releaseUnstarted} hands back what was buffered; handler threads end once stopped and idle. Claim
 * errors (the database restarting, a killed connection) are logged and retried after a growing
 * pause, so the worker resumes by itself when PostgreSQL comes back.
 */
final class QueueWorker implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(QueueWorker.class);

  /** The first wait after a claim that found nothing, when the one before it found jobs. */
  static final Duration FIRST_RECHECK = Duration.ofMillis(5);

  /**
   * The longest wait after an empty claim while the queue found jobs within {@link #BUSY_WINDOW}.
   */
  static final Duration BUSY_RECHECK_MAX = Duration.ofMillis(20);

  /** How long after its last claim that found jobs a queue counts as busy. */
  static final Duration BUSY_WINDOW = Duration.ofSeconds(1);

  private static final long CLAIM_PAUSE_MAX_MS = 5_000;

  /**
   * Flow control: how often a queue with no limit looks whether one was set, while its claims find
   * nothing and no notification came (setting a limit sends one, which makes the look at once).
   */
  static final Duration LIMITS_RECHECK = Duration.ofSeconds(5);

  /**
   * Flow control: the wait before claiming again when the queue's concurrency limit held a claim
   * back and no handler of this node has finished since (one that finishes wakes the loop).
   */
  static final Duration HELD_BACK_RECHECK = Duration.ofMillis(20);

  private final String queue;
  private final int concurrency;
  private final int capacityTotal;
  private final JobStore store;
  private final AttemptRunner runner;
  private final ExecutorService pool;
  private final Map<Long, Attempt> inFlight;
  private final WorkerSettings settings;
  private final WorkerMetrics metrics;
  private final Overruns overruns;

  /** One permit per attempt this queue may hold: running plus buffered. */
  private final Semaphore capacity;

  private final LinkedBlockingQueue<Attempt> ready = new LinkedBlockingQueue<>();
  private final AtomicInteger running = new AtomicInteger();
  private final Object wake = new Object();
  private volatile boolean claiming = true;
  private volatile boolean stopped;

  /** The last claim took all it asked for, so more jobs are probably waiting. */
  private volatile boolean backlogLikely;

  /** The last claim found jobs, so more are probably arriving. */
  private volatile boolean flowing;

  /** How long the loop sleeps after its next empty claim, unless woken. Claim loop only. */
  private Duration emptyWait;

  /** When a claim last found jobs. Claim loop only. */
  private long lastFoundNanos = System.nanoTime() - BUSY_WINDOW.toNanos();

  private boolean woken;

  /**
   * Where the next claim starts its index scan; null for the head of the index. Claim loop only.
   */
  private @Nullable ClaimCursor cursor;

  private long lastFullClaimNanos;

  /**
   * The queue has a limit: claims go through {@link JobStore#claimLimited}, and nothing is claimed
   * ahead of free handler threads. Claims without it are refused by the database while the queue
   * has a limit, so a stale value costs time, never a limit.
   */
  private volatile boolean limited;

  /**
   * The queue has a concurrency limit: a slot frees when a job's completion is written (a handler
   * that returns, or a completion written, wakes the loop).
   */
  private volatile boolean concurrencyLimited;

  /** A limited queue's loop waits for a free handler thread (one that finishes wakes it). */
  private volatile boolean threadsFull;

  /** The queue's limits changed since the loop last looked at them (a notification said so). */
  private volatile boolean notified = true;

  /** When the claim loop last looked whether the queue has a limit. Claim loop only. */
  private long lastLimitsCheckNanos = System.nanoTime();

  QueueWorker(
      String queue,
      int concurrency,
      JobStore store,
      AttemptRunner runner,
      ExecutorService pool,
      Map<Long, Attempt> inFlight,
      WorkerSettings settings,
      WorkerMetrics metrics,
      Overruns overruns) {
    this.queue = queue;
    this.concurrency = concurrency;
    this.capacityTotal = concurrency + settings.prefetchFor(concurrency);
    this.store = store;
    this.runner = runner;
    this.pool = pool;
    this.inFlight = inFlight;
    this.settings = settings;
    this.metrics = metrics;
    this.overruns = overruns;
    overruns.register(queue);
    this.capacity = new Semaphore(capacityTotal);
    this.emptyWait = settings.pollInterval();
  }

  String queue() {
    return queue;
  }

  /**
   * Starts the handler threads; the caller runs the claim loop ({@link #run}) on its own thread.
   */
  void startHandlers() {
    for (int i = 0; i < concurrency; i++) {
      pool.execute(this::handle);
    }
  }

  /** Wakes the claim loop: new jobs were announced. */
  void wakeUp() {
    synchronized (wake) {
      woken = true;
      wake.notifyAll();
    }
  }

  /** The queue's limits changed: the loop looks at them before its next claim. */
  void limitsChanged() {
    notified = true;
    wakeUp();
  }

  /**
   * A completion of this queue's job was written: under a concurrency limit its slot is free in the
   * database now, so the loop claims at once rather than after {@link #HELD_BACK_RECHECK}.
   */
  void completionWritten() {
    if (limited && concurrencyLimited) {
      wakeUp();
    }
  }

  void stopClaiming() {
    claiming = false;
    wakeUp();
  }

  /** Jobs whose handlers are running now. */
  int busy() {
    return running.get();
  }

  @Override
  public void run() {
    long errorPauseMs = 100;
    int worthwhile = Math.max(1, Math.min(settings.fetchBatch(), capacityTotal / 4));
    boolean allOverrun = false;
    while (claiming) {
      if (overruns.count(queue) >= concurrency) {
        if (!allOverrun) {
          log.warn(
              "every handler thread of queue {} is still running past its deadline; claiming"
                  + " nothing and handing back buffered jobs until one returns",
              queue);
          allOverrun = true;
        }
        handBack(false);
        sleep(settings.pollInterval());
        continue;
      }
      allOverrun = false;
      int room = capacity.availablePermits();
      boolean limitedClaim = limited;
      int want;
      if (limitedClaim) {
        // A limited queue claims no more than its free handler threads take: a job claimed ahead
        // counts against the cluster's limit while it waits here, idle.
        int free = concurrency - (capacityTotal - room);
        if (free <= 0) {
          threadsFull = true;
          sleep(settings.pollInterval()); // a handler that finishes wakes the loop
          threadsFull = false;
          continue;
        }
        want = Math.min(free, settings.fetchBatch());
      } else {
        if (room < worthwhile && !(room > 0 && ready.isEmpty())) {
          sleep(settings.pollInterval());
          continue;
        }
        want = Math.min(room, settings.fetchBatch());
      }
      if (!capacity.tryAcquire(want)) {
        continue;
      }
      List<ClaimedJob> claimed;
      long leaseKnownUntil;
      long claimReturned;
      @Nullable Instant claimedAt;
      boolean heldBack = false;
      Duration rateWait = null;
      boolean becameLimited = false;
      try {
        if (limitedClaim) {
          leaseKnownUntil = System.nanoTime() + settings.lease().toNanos();
          JobStore.LimitedClaim claim =
              store.claimLimited(queue, want, settings.nodeId(), settings.lease());
          claimReturned = System.nanoTime();
          if (!claim.limited()) {
            limited = false; // the limit was removed: claim as for any queue from now on
            capacity.release(want);
            continue;
          }
          claimed = claim.jobs();
          claimedAt = claim.claimedAt();
          heldBack = claim.heldBack() && claimed.size() < want;
          rateWait = claim.rateWait();
          concurrencyLimited = claim.concurrencyLimited();
          cursor = null;
          errorPauseMs = 100;
        } else {
          long now = System.nanoTime();
          if (cursor != null
              && now - lastFullClaimNanos >= ClaimCursor.FULL_CLAIM_EVERY.toNanos()) {
            cursor = null;
          }
          if (cursor == null) {
            lastFullClaimNanos = now;
          }
          leaseKnownUntil = System.nanoTime() + settings.lease().toNanos();
          JobStore.Claim claim =
              store.claim(queue, want, settings.nodeId(), settings.lease(), cursor);
          claimReturned = System.nanoTime();
          claimed = claim.jobs();
          claimedAt = claim.claimedAt();
          cursor = ClaimCursor.next(cursor, want, claimed, claimedAt);
          errorPauseMs = 100;
          if (claimed.isEmpty()
              && (notified
                  || System.nanoTime() - lastLimitsCheckNanos >= LIMITS_RECHECK.toNanos())) {
            // The claim refuses a limited queue: find out whether that is why it found nothing.
            notified = false;
            lastLimitsCheckNanos = System.nanoTime();
            becameLimited = store.limited(queue);
            if (becameLimited) {
              limited = true;
              cursor = null;
            }
          }
        }
      } catch (SQLException | RuntimeException e) {
        capacity.release(want);
        if (!SqlErrors.isTransient(e)) {
          // It will not pass by itself (a missing schema, a revoked grant): poll for the fix at
          // the slowest pace instead of hammering the database with a doomed statement.
          errorPauseMs = CLAIM_PAUSE_MAX_MS;
        }
        log.error(
            "claiming from queue {} failed (SQLSTATE {}); retrying in {} ms: {}",
            queue,
            SqlErrors.state(e),
            errorPauseMs,
            e.getMessage());
        sleep(Duration.ofMillis(errorPauseMs));
        errorPauseMs = Math.min(errorPauseMs * 2, CLAIM_PAUSE_MAX_MS);
        continue;
      }
      capacity.release(want - claimed.size());
      if (becameLimited) {
        continue; // claim again at once, within the limits
      }
      if (!claimed.isEmpty()) {
        metrics.claimed(queue, claimed.size());
      }
      if (heldBack) {
        metrics.heldBack(queue);
        backlogLikely = false;
        flowing = !claimed.isEmpty();
        for (ClaimedJob job : claimed) {
          Attempt attempt =
              new Attempt(job, leaseKnownUntil, Attempt.dueNanos(job, claimedAt, claimReturned));
          inFlight.put(job.id(), attempt);
          ready.add(attempt);
        }
        // Held back by a limit, not short of jobs: look again when the rate limit allows a start,
        // or soon for the concurrency limit (a handler of this node that finishes wakes it sooner).
        sleep(min(rateWait != null ? rateWait : HELD_BACK_RECHECK, settings.pollInterval()));
        continue;
      }
      // Set before the jobs are handed over: an idle handler may take the last of them at once,
      // and it decides from these flags whether to wake this loop. Set after, that handler read the
      // flags of the claim before (nothing flowing), did not wake the loop, and the loop then slept
      // until a NOTIFY or the poll interval while new jobs waited.
      backlogLikely = claimed.size() == want;
      flowing = !claimed.isEmpty();
      for (ClaimedJob job : claimed) {
        Attempt attempt =
            new Attempt(job, leaseKnownUntil, Attempt.dueNanos(job, claimedAt, claimReturned));
        inFlight.put(job.id(), attempt);
        ready.add(attempt);
      }
      if (flowing) {
        emptyWait = min(FIRST_RECHECK, settings.pollInterval());
        lastFoundNanos = System.nanoTime();
        if (!backlogLikely) {
          sleep(settings.pollInterval()); // until a handler empties the buffer, or a NOTIFY
        }
      } else {
        Duration wait = emptyWait;
        boolean busy = System.nanoTime() - lastFoundNanos < BUSY_WINDOW.toNanos();
        Duration longest =
            busy ? min(BUSY_RECHECK_MAX, settings.pollInterval()) : settings.pollInterval();
        emptyWait = min(emptyWait.multipliedBy(2), longest);
        sleep(wait);
      }
    }
  }

  /** A handler thread: runs buffered attempts until the worker is stopped and the buffer empty. */
  private void handle() {
    while (!stopped || !ready.isEmpty()) {
      Attempt attempt;
      try {
        attempt = ready.poll(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (attempt == null) {
        continue;
      }
      if (flowing && ready.isEmpty()) {
        wakeUp(); // the next claim overlaps this job instead of following it
      }
      running.incrementAndGet();
      try {
        runner.run(attempt);
      } finally {
        running.decrementAndGet();
        capacity.release();
        if (backlogLikely || (limited && (concurrencyLimited || threadsFull))) {
          wakeUp();
        }
      }
    }
  }

  /**
   * Shutdown: hands back every buffered attempt that has not started (due at once, the attempt not
   * counted), so another node runs it now instead of after a lease expiry.
   */
  void releaseUnstarted() {
    handBack(true);
  }

  private void handBack(boolean stop) {
    List<Attempt> unstarted = new ArrayList<>();
    ready.drainTo(unstarted);
    if (stop) {
      stopped = true;
    }
    if (unstarted.isEmpty()) {
      return;
    }
    try {
      store.release(unstarted.stream().map(a -> a.job).toList());
    } catch (SQLException e) {
      log.error(
          "could not release {} buffered jobs of queue {}; they will be rescued when their leases"
              + " expire",
          unstarted.size(),
          queue,
          e);
    }
    unstarted.forEach(a -> inFlight.remove(a.job.id(), a));
    capacity.release(unstarted.size());
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

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /**
   * Waits for running handlers to return, up to the deadline. Overrun ones are not waited for:
   * their attempts are already recorded.
   */
  boolean awaitIdle(long deadlineNanos) throws InterruptedException {
    while (running.get() - overruns.count(queue) > 0) {
      if (System.nanoTime() > deadlineNanos) {
        return false;
      }
      TimeUnit.MILLISECONDS.sleep(20);
    }
    return true;
  }
}
