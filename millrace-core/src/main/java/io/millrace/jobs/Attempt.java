package io.millrace.jobs;

/**
 * An attempt this node holds, from claim until its outcome is written. Its lease is extended by
 * {@link LeaseKeeper} for all of that time, including while a completion waits for its batch.
 *
 * <p>Interrupts are delivered under this object's lock and only while the handler runs, so a stop
 * that arrives late can never interrupt the next job on the same pool thread.
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
  private JobContext<?> context;
  private Thread thread;
  private StopCause stopCause;
  private String stopReason;

  Attempt(ClaimedJob job) {
    this.job = job;
  }

  synchronized void started(JobContext<?> context, Thread thread) {
    this.context = context;
    this.thread = thread;
    if (stopCause != null) {
      context.markCancelled(stopReason);
      thread.interrupt();
    }
  }

  /** Called on the handler's thread when it returns; clears an interrupt meant for this attempt. */
  synchronized void handlerReturned() {
    thread = null;
    Thread.interrupted();
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
  }

  synchronized StopCause stopCause() {
    return stopCause;
  }

  synchronized String stopReason() {
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
