package io.millrace.jobs;

import io.millrace.internal.sql.SqlErrors;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
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
 * <p>Poison is isolated: a batch whose statement fails for a reason that will not pass by itself
 * (anything but {@linkplain SqlErrors#isTransient a transient error}) is split in halves, and the
 * halves are written on their own, down to the single completion that fails. That one goes to
 * {@link Listener#unwritable} (which records the job as failed) and everyone else is written. One
 * bad value costs its batch about 2·log2(batch) extra statements, never the node's completions.
 *
 * <p>Termination and idempotence: the loop ends when {@link #close} is called and the queue is
 * drained (or the deadline passes). A flush that fails transiently keeps what is left of its batch
 * and retries with backoff until the database answers; the attempts stay in flight, so their leases
 * are still extended meanwhile. Re-running a flush that actually committed is harmless: fencing
 * makes the second write match nothing.
 */
final class CompletionBatcher implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(CompletionBatcher.class);

  /**
   * Told which completions were written (true) or fenced out because the lease was lost (false).
   */
  interface Listener {
    void written(JobStore.Completion completion, boolean held);

    /** This completion alone fails to write, for a reason that will not pass by itself. */
    void unwritable(JobStore.Completion completion, Exception error);
  }

  private final JobStore store;
  private final int batchSize;
  private final Duration linger;
  private final Listener listener;
  private static final long MAX_BACKOFF_MS = 2_000;

  private final BlockingQueue<JobStore.Completion> pending = new LinkedBlockingQueue<>();

  /** Told of every failed flush (for metrics); the batcher logs, splits and retries by itself. */
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
        flush(batch);
        backoffMs = 50;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (TransientFailure e) {
        onFlushError.accept(e.failure());
        log.error(
            "completion flush of {} jobs failed; retrying in {} ms: {}",
            batch.size(),
            backoffMs,
            e.failure().getMessage());
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
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
      }
    }
  }

  /**
   * Writes {@code batch}, splitting around poison. Returns with {@code batch} empty, or throws
   * {@link TransientFailure} with {@code batch} holding exactly what is still unwritten.
   */
  private void flush(List<JobStore.Completion> batch) {
    Deque<List<JobStore.Completion>> parts = new ArrayDeque<>();
    parts.push(List.copyOf(batch));
    try {
      while (!parts.isEmpty()) {
        List<JobStore.Completion> part = parts.pop();
        Set<Long> held;
        try {
          held = store.complete(part);
        } catch (Exception e) {
          if (SqlErrors.isTransient(e)) {
            parts.push(part);
            throw new TransientFailure(e);
          }
          onFlushError.accept(e);
          if (part.size() > 1) {
            int half = part.size() / 2;
            parts.push(part.subList(half, part.size()));
            parts.push(part.subList(0, half));
          } else {
            isolated(part.get(0), e);
          }
          continue;
        }
        for (JobStore.Completion c : part) {
          try {
            listener.written(c, held.contains(c.id()));
          } catch (RuntimeException e) {
            // Written is written: a listener fault must not put the rest back in the batch.
            log.error("after writing the completion of job {}", c.id(), e);
          }
        }
      }
    } finally {
      batch.clear();
      parts.forEach(batch::addAll);
    }
  }

  private void isolated(JobStore.Completion poison, Exception error) {
    log.error(
        "completion of job {} attempt {} cannot be written (SQLSTATE {}); recording the attempt"
            + " as failed: {}",
        poison.id(),
        poison.attempt(),
        SqlErrors.state(error),
        error.getMessage());
    try {
      listener.unwritable(poison, error);
    } catch (RuntimeException e) {
      // The rest of the batch must still be written; the job's lease expires and it is rescued.
      log.error("recording the unwritable completion of job {} failed", poison.id(), e);
    }
  }

  /** The database could not be reached: what is left of the batch is retried as it is. */
  private static final class TransientFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Exception cause;

    TransientFailure(Exception cause) {
      super(cause);
      this.cause = cause;
    }

    /** The failure itself, never null (unlike {@link #getCause()} in general). */
    Exception failure() {
      return cause;
    }
  }
}
