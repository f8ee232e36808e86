package io.millrace.jobs;

import io.opentelemetry.api.trace.Span;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * An attempt this node holds, from claim until its outcome is written. Its lease is extended by
 * {@link LeaseKeeper} for all of that time, including while a completion waits for its batch.
 *
 * <p>Interrupts are delivered under this object's lock and only while the handler runs, so a stop
 * that arrives late can never interrupt the next job on the same pool thread.
 *
 * <p>One outcome per attempt: the handler's return and its deadline race for it under this lock
 * ({@link #handlerReturned}, {@link #timeOut}). When the deadline wins, the timeout is recorded at
 * once and whatever the handler does later is discarded.
 */
final class Attempt {
  /** Why an attempt was asked to stop before its handler returned. */
  enum StopCause {
    OPERATOR_CANCEL,
    TIMEOUT,
    LEASE_LOST,
    SHUTDOWN
  }

  final ClaimedJob job;
  // Null until the attempt starts / a stop is requested.
  private @Nullable JobContext<?> context;
  private @Nullable Thread thread;
  private @Nullable StopCause stopCause;
  private @Nullable String stopReason;
  private boolean timedOut;
  private boolean overrun;

  /**
   * Until when (System.nanoTime) this node knows the lease holds: measured from before the claim or
   * the last heartbeat that renewed it, so it never runs past the lease the database holds.
   */
  private long leaseKnownUntil;

  /**
   * When (System.nanoTime) the job became due: its run_at, placed on this node's clock through the
   * claim (the database's now() at the claim, less run_at, before the claim returned). Both times
   * come from the database's clock, so skew between the node and the database does not bias the
   * pickup delay measured from it.
   */
  final long dueNanos;

  // The span of this attempt; invalid (a no-op) until the attempt runs, and without OpenTelemetry.
  private volatile Span span = Span.getInvalid();

  Attempt(ClaimedJob job, long leaseKnownUntil, long dueNanos) {
    this.job = job;
    this.leaseKnownUntil = leaseKnownUntil;
    this.dueNanos = dueNanos;
  }

  /**
   * {@link #dueNanos} for a job claimed at the database's {@code claimedAt}, the claim having
   * returned at {@code claimReturned} (System.nanoTime). A job is claimed only once due, so the
   * difference is never negative; it is clamped all the same.
   */
  static long dueNanos(ClaimedJob job, @Nullable Instant claimedAt, long claimReturned) {
    if (claimedAt == null) {
      return claimReturned;
    }
    long waited = Duration.between(job.runAt(), claimedAt).toNanos();
    return claimReturned - Math.max(0, waited);
  }

  /** The attempt's span, where its failures are recorded (a no-op span until it runs). */
  Span span() {
    return span;
  }

  void span(Span span) {
    this.span = span;
  }

  /** A heartbeat renewed the lease; wakes a handler thread waiting to start this attempt. */
  synchronized void leaseRenewed(long knownUntil) {
    leaseKnownUntil = Math.max(leaseKnownUntil, knownUntil);
    notifyAll();
  }

  /**
   * Waits up to {@code maxNanos} until the lease is known to hold or the attempt is stopped.
   * Returns true when the lease holds and the attempt may start.
   */
  synchronized boolean awaitLease(long maxNanos) throws InterruptedException {
    long deadline = System.nanoTime() + maxNanos;
    while (stopCause == null && System.nanoTime() - leaseKnownUntil >= 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return stopCause == null;
  }

  synchronized void started(JobContext<?> context, Thread thread) {
    this.context = context;
    this.thread = thread;
    String reason = stopReason; // set together with stopCause
    if (reason != null) {
      context.markCancelled(reason);
      thread.interrupt();
    }
  }

  /**
   * Called on the handler's thread when it returns; clears an interrupt meant for this attempt.
   * Returns whether the outcome is still the handler's to record (false: the deadline took it).
   */
  synchronized boolean handlerReturned() {
    thread = null;
    Thread.interrupted();
    return !timedOut;
  }

  /**
   * The deadline passed: takes the outcome from the handler if it has not returned yet, stops it
   * with {@code reason}, and marks its thread as overrun. Returns false if the handler already
   * returned (its outcome stands).
   */
  synchronized boolean timeOut(String reason) {
    if (thread == null) {
      return false;
    }
    timedOut = true;
    overrun = true;
    stop(StopCause.TIMEOUT, reason);
    return true;
  }

  /** Whether the handler's thread ran past its deadline (it may have returned since). */
  synchronized boolean overrun() {
    return overrun;
  }

  /** Records the first reason to stop and interrupts the handler if it is still running. */
  synchronized void stop(StopCause cause, String reason) {
    if (stopCause == null) {
      stopCause = cause;
      stopReason = reason;
    }
    if (context != null) {
      context.markCancelled(reason);
    }
    if (thread != null) {
      thread.interrupt();
    }
    notifyAll(); // a handler thread waiting in awaitLease gives up on a stopped attempt
  }

  synchronized @Nullable StopCause stopCause() {
    return stopCause;
  }

  synchronized @Nullable String stopReason() {
    return stopReason;
  }

  /** Whether the handler was ever started (a buffered attempt may be stopped before it is). */
  synchronized boolean started() {
    return context != null;
  }

  synchronized boolean handlerRunning() {
    return thread != null;
  }
}
