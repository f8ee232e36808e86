package io.millrace.jobs;

import io.millrace.base.Json;
import io.millrace.base.JsonCodec;
import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import io.millrace.internal.sql.SqlErrors;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Runs one attempt on a pool thread and writes its outcome, fenced by the attempt's lease token.
 *
 * <p>Every path ends in exactly one written outcome or in a deliberate hand-over: unknown kinds,
 * args that do not deserialise, handler exceptions and timeouts are failures with a message and
 * stack. Unknown kinds, timeouts and handler exceptions are retried with the kind's backoff while
 * attempts remain, except an exception the kind's {@link RetryPolicy} calls non-retryable, which
 * fails the job at once, as args that do not deserialise do; a lost lease writes nothing (the
 * rescuer already moved the job on); shutdown releases the job for another node. What the handler
 * hands back is made storable first ({@link HandedBack}): a result PostgreSQL cannot store fails
 * the attempt for good (its effects already ran, and running it again would run them again for the
 * same unstorable result), error texts are escaped.
 *
 * <p>A timeout is recorded at the deadline whether or not the handler cooperates: the attempt fails
 * (retryable) on {@code outcomes}, off the timer thread, and a late return is discarded. A thread
 * still in its handler past the deadline counts as {@linkplain Overruns overrun}.
 *
 * <p>A write that fails transiently (the database unreachable) is retried until it passes, the
 * attempt still held and its lease renewed meanwhile; any other failure is final for that write:
 * the attempt is dropped from this node's heartbeat so its lease expires and the leader's rescue
 * retries it (counting the attempt): slower, never lost, never blocking anything else.
 */
final class AttemptRunner {
  private static final Logger log = LoggerFactory.getLogger(AttemptRunner.class);

  /** How long after the deadline a handler still running is reported as ignoring interruption. */
  static final Duration OVERRUN_NOTICE = Duration.ofSeconds(1);

  /** How often a thread waiting for a lease to be confirmed looks at the attempt again. */
  private static final long LEASE_WAIT_STEP_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  private static final long WRITE_PAUSE_MAX_MS = 5_000;

  private final HandlerRegistry handlers;
  private final JobStore store;
  private final CompletionBatcher completions;
  private final Map<Long, Attempt> inFlight;
  private final ScheduledExecutorService timers;
  private final RetryPolicies retries;
  private final String nodeId;
  private final WorkerMetrics metrics;
  private final Overruns overruns;
  private final Executor outcomes;
  private final JsonCodec codec;
  private final JobTracing tracing;

  AttemptRunner(
      HandlerRegistry handlers,
      JobStore store,
      CompletionBatcher completions,
      Map<Long, Attempt> inFlight,
      ScheduledExecutorService timers,
      RetryPolicies retries,
      String nodeId,
      WorkerMetrics metrics,
      Overruns overruns,
      Executor outcomes,
      JsonCodec codec,
      JobTracing tracing) {
    this.handlers = handlers;
    this.tracing = tracing;
    this.codec = codec;
    this.store = store;
    this.completions = completions;
    this.inFlight = inFlight;
    this.timers = timers;
    this.retries = retries;
    this.nodeId = nodeId;
    this.metrics = metrics;
    this.overruns = overruns;
    this.outcomes = outcomes;
  }

  void run(Attempt attempt) {
    ClaimedJob job = attempt.job;
    MDC.put("job_id", Long.toString(job.id()));
    MDC.put("job_kind", job.kind());
    MDC.put("job_attempt", Integer.toString(job.attempt()));
    metrics.pickupDelay(job.queue(), System.nanoTime() - attempt.dueNanos);
    Span span = tracing.start(job);
    attempt.span(span);
    // Without an SDK the span is the invalid one: nothing is made current.
    try (Scope scope = span == Span.getInvalid() ? Scope.noop() : span.makeCurrent()) {
      runHandler(attempt);
    } catch (RuntimeException | Error e) {
      JobTracing.failed(span, "unexpected error running the attempt", e);
      log.error(
          "unexpected error running job {}; its lease will expire and it will be rescued",
          job.id(),
          e);
      inFlight.remove(job.id(), attempt);
    } finally {
      // Ends when the handler thread is done with the attempt; a timeout recorded meanwhile, on
      // another thread, has already marked it failed.
      span.end();
      MDC.clear();
    }
  }

  private void runHandler(Attempt attempt) {
    ClaimedJob job = attempt.job;
    awaitLease(attempt);
    if (attempt.stopCause() != null) {
      // Cancelled, or its lease lost, while it waited in the buffer: it never starts.
      record(attempt, null, new CancellationException(attempt.stopReason()));
      return;
    }
    HandlerBinding<?> registration = handlers.get(job.kind());
    if (registration == null) {
      fail(
          attempt,
          "no handler is registered for kind '" + job.kind() + "' on node " + nodeId,
          null,
          false);
      return;
    }
    Object args;
    try {
      args = Json.decode(codec, job.argsJson(), registration.argsType());
    } catch (Exception e) {
      fail(
          attempt,
          "args could not be deserialised into "
              + registration.argsType().getTypeName()
              + ": "
              + e.getMessage(),
          e,
          true);
      return;
    }
    Duration timeout =
        job.timeoutMs() != null ? Duration.ofMillis(job.timeoutMs()) : registration.timeout();
    long started = System.nanoTime();
    @Nullable Object result = null;
    @Nullable Throwable thrown = null;
    ScheduledFuture<?> timer = null;
    boolean ours;
    try {
      JobContext<?> context = newContext(job, args);
      attempt.started(context, Thread.currentThread());
      if (timeout != null) {
        Duration limit = timeout;
        timer =
            timers.schedule(
                () -> deadline(attempt, limit), limit.toMillis(), TimeUnit.MILLISECONDS);
      }
      result = invoke(registration, context);
    } catch (Throwable t) {
      thrown = t;
    } finally {
      ours = attempt.handlerReturned();
      if (timer != null) {
        timer.cancel(false);
      }
    }
    long ran = System.nanoTime() - started;
    metrics.handlerTime(job.queue(), job.kind(), ran);
    if (!ours) {
      // Only the deadline takes the outcome, and a deadline is scheduled only with a timeout.
      lateReturn(attempt, java.util.Objects.requireNonNull(timeout, "timeout"), ran);
      return;
    }
    record(attempt, result, thrown);
  }

  /**
   * Holds back an attempt whose lease this node cannot vouch for (no heartbeat has renewed it for
   * longer than the lease: the database was unreachable), until a heartbeat confirms or revokes it.
   * Starting it blindly would run a job the leader may already have rescued for another node.
   */
  private void awaitLease(Attempt attempt) {
    try {
      if (attempt.awaitLease(0)) {
        return;
      }
      log.warn(
          "job {} attempt {}: its lease may have run out while the database was unreachable;"
              + " it starts once a heartbeat confirms the lease",
          attempt.job.id(),
          attempt.job.attempt());
      while (!attempt.awaitLease(LEASE_WAIT_STEP_NANOS) && attempt.stopCause() == null) {
        // keep waiting: the heartbeat renews the lease or reports it lost once it gets through
      }
    } catch (InterruptedException e) {
      attempt.stop(Attempt.StopCause.SHUTDOWN, "node shutting down");
    }
  }

  /**
   * The timer at the deadline. A handler still running loses its outcome: the attempt is recorded
   * failed now (off the timer thread, which also runs the heartbeat), and its thread is overrun
   * until the handler returns.
   */
  private void deadline(Attempt attempt, Duration limit) {
    ClaimedJob job = attempt.job;
    if (!attempt.timeOut("timed out after " + limit)) {
      return; // it returned just in time
    }
    overruns.started(job.queue());
    metrics.timedOut(job.queue());
    timers.schedule(
        () -> {
          if (attempt.handlerRunning()) {
            log.warn(
                "job {} ({}) attempt {} ignores interruption: its handler is still running {}"
                    + " after its {} timeout; the attempt is recorded as timed out and the"
                    + " thread stays out of queue {}'s pool until the handler returns",
                job.id(),
                job.kind(),
                job.attempt(),
                OVERRUN_NOTICE,
                limit,
                job.queue());
          }
        },
        OVERRUN_NOTICE.toMillis(),
        TimeUnit.MILLISECONDS);
    outcomes.execute(
        () -> {
          MDC.put("job_id", Long.toString(job.id()));
          MDC.put("job_kind", job.kind());
          try {
            recordStopped(attempt, null);
          } catch (RuntimeException e) {
            log.error(
                "unexpected error recording the timeout of job {}; its lease will expire and it"
                    + " will be rescued",
                job.id(),
                e);
            inFlight.remove(job.id(), attempt);
          } finally {
            MDC.clear();
          }
        });
  }

  /**
   * A handler that returned after its deadline took the outcome: whatever it returned or threw is
   * discarded. One that ran well past the deadline ignored its interrupt, and says so.
   */
  private void lateReturn(Attempt attempt, Duration timeout, long ranNanos) {
    ClaimedJob job = attempt.job;
    overruns.ended(job.queue());
    long pastMs = TimeUnit.NANOSECONDS.toMillis(ranNanos) - timeout.toMillis();
    if (pastMs >= OVERRUN_NOTICE.toMillis()) {
      log.warn(
          "job {} ({}) attempt {} returned {} ms past its {} timeout, having ignored its"
              + " interrupt; the attempt was recorded as timed out at the deadline and what the"
              + " handler returned is discarded",
          job.id(),
          job.kind(),
          job.attempt(),
          pastMs,
          timeout);
    } else {
      log.debug(
          "job {} attempt {} stopped {} ms after its timeout", job.id(), job.attempt(), pastMs);
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static @Nullable Object invoke(HandlerBinding<?> registration, JobContext<?> context)
      throws Exception {
    JobHandler handler = registration.handler();
    return handler.handle(context);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static JobContext<?> newContext(ClaimedJob job, Object args) {
    return new JobContext(job, args);
  }

  private void record(Attempt attempt, @Nullable Object result, @Nullable Throwable thrown) {
    ClaimedJob job = attempt.job;
    Attempt.StopCause cause = attempt.stopCause();
    if (cause == Attempt.StopCause.LEASE_LOST) {
      log.warn(
          "job {} attempt {} lost its lease while running; the outcome is discarded",
          job.id(),
          job.attempt());
      metrics.fenced(job.queue());
      inFlight.remove(job.id(), attempt);
      return;
    }
    if (thrown != null) {
      if (cause == null) {
        // Only what the handler threw is matched: timeouts and Millrace's own failures never are.
        if (retries.forKind(job.kind()).failsAtOnce(thrown)) {
          fail(attempt, "non-retryable: " + HandedBack.describe(thrown), thrown, true);
        } else {
          fail(attempt, HandedBack.describe(thrown), thrown, false);
        }
      } else {
        recordStopped(attempt, thrown);
      }
      return;
    }
    // The handler returned normally: its outcome stands even if a stop arrived meanwhile.
    if (result instanceof Outcome.Snooze snooze) {
      Duration delay;
      try {
        delay = Storable.duration("snooze", snooze.delay());
      } catch (ValidationException e) {
        fail(attempt, "the handler's snooze cannot be stored: " + e.getMessage(), null, true);
        return;
      }
      if (delay == null) {
        fail(attempt, "the handler's snooze cannot be stored: it has no delay", null, true);
        return;
      }
      write(attempt, () -> store.snooze(job.id(), job.attempt(), delay), "snooze");
      metrics.snoozed(job.queue());
      return;
    }
    if (result instanceof Outcome.Cancel cancel) {
      finish(
          attempt,
          JobState.CANCELLED,
          error(job, "cancelled by handler: " + cancel.reason(), null));
      return;
    }
    HandedBack.Result checked = HandedBack.result(codec, result);
    if (checked instanceof HandedBack.Refused refused) {
      fail(attempt, refused.reason(), refused.cause(), true);
    } else if (checked instanceof HandedBack.Accepted accepted) {
      completions.add(
          new JobStore.Completion(
              job.id(), job.attempt(), accepted.json(), JobTracing.traceparent(attempt.span())));
    }
  }

  /** An attempt stopped before its handler returned (or never started): the stop decides. */
  private void recordStopped(Attempt attempt, @Nullable Throwable thrown) {
    ClaimedJob job = attempt.job;
    Attempt.StopCause cause = attempt.stopCause();
    if (cause == Attempt.StopCause.LEASE_LOST) {
      log.warn(
          "job {} attempt {} lost its lease {}; the outcome is discarded",
          job.id(),
          job.attempt(),
          attempt.started() ? "while running" : "before it started");
      metrics.fenced(job.queue());
      inFlight.remove(job.id(), attempt);
    } else if (cause == Attempt.StopCause.SHUTDOWN) {
      release(attempt);
    } else if (cause == Attempt.StopCause.TIMEOUT) {
      fail(
          attempt,
          java.util.Objects.requireNonNullElse(attempt.stopReason(), "timed out"),
          thrown,
          false);
    } else {
      String when =
          attempt.started() ? "cancelled while running: " : "cancelled before it started: ";
      finish(
          attempt,
          JobState.CANCELLED,
          error(job, when + attempt.stopReason(), attempt.started() ? thrown : null));
    }
  }

  /**
   * The batcher could not write this completion even alone: recorded as failed for good with the
   * database's reason, so the job leaves the running state instead of being retried forever.
   */
  void completionUnwritable(Attempt attempt, Exception error) {
    fail(
        attempt,
        "the handler's result could not be written (SQLSTATE "
            + SqlErrors.state(error)
            + "): "
            + error.getMessage(),
        error,
        true);
  }

  /** A failed attempt: retried after backoff while attempts remain, otherwise failed for good. */
  private void fail(
      Attempt attempt, String message, @Nullable Throwable thrown, boolean permanent) {
    ClaimedJob job = attempt.job;
    String errorJson = error(job, message, thrown);
    metrics.attemptFailed(job.queue());
    JobTracing.failed(attempt.span(), message, thrown);
    if (!permanent && job.attempt() < job.maxAttempts()) {
      Duration delay = retries.forKind(job.kind()).backoff().delayAfter(job.attempt());
      log.warn(
          "job {} ({}) attempt {}/{} failed, retrying in {}: {}",
          job.id(),
          job.kind(),
          job.attempt(),
          job.maxAttempts(),
          delay,
          message);
      write(attempt, () -> store.retryLater(job.id(), job.attempt(), delay, errorJson), "retry");
    } else {
      log.error(
          "job {} ({}) failed for good after attempt {}/{}: {}",
          job.id(),
          job.kind(),
          job.attempt(),
          job.maxAttempts(),
          message);
      finish(attempt, JobState.FAILED, errorJson);
    }
  }

  private void finish(Attempt attempt, JobState state, String errorJson) {
    ClaimedJob job = attempt.job;
    write(
        attempt,
        () -> store.finishWithError(job.id(), job.attempt(), state, errorJson),
        state.dbValue());
    if (state == JobState.CANCELLED) {
      metrics.cancelled(job.queue());
    } else {
      metrics.failed(job.queue());
    }
  }

  private void release(Attempt attempt) {
    write(attempt, () -> store.release(java.util.List.of(attempt.job)) == 1, "release");
  }

  private interface Write {
    boolean run() throws SQLException;
  }

  private void write(Attempt attempt, Write write, String what) {
    ClaimedJob job = attempt.job;
    long pauseMs = 100;
    try {
      for (int tries = 1; ; tries++) {
        try {
          if (!write.run()) {
            log.warn(
                "job {} attempt {}: {} rejected, the attempt no longer holds the lease",
                job.id(),
                job.attempt(),
                what);
            metrics.fenced(job.queue());
          }
          return;
        } catch (SQLException | RuntimeException e) {
          if (!SqlErrors.isTransient(e)) {
            log.error(
                "job {} attempt {}: {} cannot be written (SQLSTATE {}); the lease will expire and"
                    + " the job will be rescued",
                job.id(),
                job.attempt(),
                what,
                SqlErrors.state(e),
                e);
            return;
          }
          if (tries == 1 || tries % 10 == 0) {
            log.warn(
                "job {} attempt {}: writing {} failed {} times, retrying while the lease is"
                    + " renewed: {}",
                job.id(),
                job.attempt(),
                what,
                tries,
                e.getMessage());
          }
          try {
            Thread.sleep(pauseMs);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            return;
          }
          pauseMs = Math.min(pauseMs * 2, WRITE_PAUSE_MAX_MS);
        }
      }
    } finally {
      inFlight.remove(job.id(), attempt);
    }
  }

  private String error(ClaimedJob job, String message, @Nullable Throwable thrown) {
    return Json.write(
        new JobError(
            job.attempt(),
            Instant.now(),
            nodeId,
            HandedBack.message(message),
            HandedBack.stack(thrown)));
  }
}
