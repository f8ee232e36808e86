package io.millrace.jobs;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes completions in batches: one statement moves up to {@code batchSize} finished jobs to
 * history. A completion waits at most {@code linger} for company, so a lone job is not delayed
 * noticeably while a busy node writes hundreds per statement.
 *
 * <p>Termination and idempotence: the loop ends when {@link #close} is called and the queue is
 * drained (or the deadline passes). A failed flush keeps its batch and retries with backoff; the
 * attempts stay in flight, so their leases are still extended meanwhile. Re-running a flush that
 * actually committed is harmless: fencing makes the second write match nothing.
 */
final class CompletionBatcher implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(CompletionBatcher.class);

  /**
   * Told which completions were written (true) or fenced out because the lease was lost (false).
   */
  interface Listener {
    void written(JobStore.Completion completion, boolean held);
  }

  private final JobStore store;
  private final int batchSize;
  private final Duration linger;
  private final Listener listener;
  private final BlockingQueue<JobStore.Completion> pending = new LinkedBlockingQueue<>();

  /** Told of every failed flush (for metrics); the batcher logs and retries by itself. */
  private final Consumer<Throwable> onFlushError;

  private volatile boolean closing;
  private volatile long closeDeadlineNanos;

  CompletionBatcher(
      JobStore store,
      int batchSize,
      Duration linger,
      Listener listener,
      Consumer<Throwable> onFlushError) {
    this.store = store;
    this.batchSize = batchSize;
    this.linger = linger;
    this.listener = listener;
    this.onFlushError = onFlushError;
  }

  void add(JobStore.Completion completion) {
    pending.add(completion);
  }

  /** Asks the loop to drain what is pending and stop, giving up at the deadline. */
  void close(long deadlineNanos) {
    closeDeadlineNanos = deadlineNanos;
    closing = true;
  }

  @Override
  public void run() {
    List<JobStore.Completion> batch = new ArrayList<>(batchSize);
    long backoffMs = 50;
    while (true) {
      try {
        if (batch.isEmpty()) {
          JobStore.Completion first = pending.poll(50, TimeUnit.MILLISECONDS);
          if (first == null) {
            if (closing) {
              return;
            }
            continue;
          }
          batch.add(first);
          long lingerUntil = System.nanoTime() + linger.toNanos();
          while (batch.size() < batchSize) {
            long left = lingerUntil - System.nanoTime();
            JobStore.Completion next =
                left > 0 ? pending.poll(left, TimeUnit.NANOSECONDS) : pending.poll();
            if (next == null) {
              break;
            }
            batch.add(next);
          }
        }
        Set<Long> held = store.complete(batch);
        for (JobStore.Completion c : batch) {
          listener.written(c, held.contains(c.id()));
        }
        batch.clear();
        backoffMs = 50;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (SQLException | RuntimeException e) {
        onFlushError.accept(e);
        log.error(
            "completion flush of {} jobs failed; retrying in {} ms", batch.size(), backoffMs, e);
        if (closing && System.nanoTime() > closeDeadlineNanos) {
          log.error(
              "giving up on {} completions at shutdown; their leases will expire and the jobs"
                  + " will be rescued and run again",
              batch.size() + pending.size());
          return;
        }
        try {
          Thread.sleep(backoffMs);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
        backoffMs = Math.min(backoffMs * 2, 5_000);
      }
    }
  }
}
