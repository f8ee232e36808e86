package io.millrace.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import io.millrace.sql.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Runs one attempt on a pool thread and writes its outcome, fenced by the attempt's lease token.
 *
 * <p>Every path ends in exactly one written outcome or in a deliberate hand-over: unknown kinds,
 * args that do not deserialise, handler exceptions and timeouts are failures with a message and
 * stack; a lost lease writes nothing (the rescuer already moved the job on); shutdown releases the
 * job for another node. If the outcome cannot be written after a few tries, the attempt is dropped
 * from this node's heartbeat so its lease expires and the leader's rescue retries it: slower, never
 * lost.
 */
final class AttemptRunner {
  private static final Logger log = LoggerFactory.getLogger(AttemptRunner.class);
  private static final int WRITE_TRIES = 5;
  private static final int MAX_STACK_CHARS = 8_000;

  private final HandlerRegistry handlers;
  private final JobStore store;
  private final CompletionBatcher completions;
  private final Map<Long, Attempt> inFlight;
  private final ScheduledExecutorService timers;
  private final Backoff backoff;
  private final String nodeId;
  private final WorkerMetrics metrics;

  AttemptRunner(
      HandlerRegistry handlers,
      JobStore store,
      CompletionBatcher completions,
      Map<Long, Attempt> inFlight,
      ScheduledExecutorService timers,
      Backoff backoff,
      String nodeId,
      WorkerMetrics metrics) {
    this.handlers = handlers;
    this.store = store;
    this.completions = completions;
    this.inFlight = inFlight;
    this.timers = timers;
    this.backoff = backoff;
    this.nodeId = nodeId;
    this.metrics = metrics;
  }

  void run(Attempt attempt) {
    ClaimedJob job = attempt.job;
    MDC.put("job_id", Long.toString(job.id()));
    MDC.put("job_kind", job.kind());
    MDC.put("job_attempt", Integer.toString(job.attempt()));
    try {
      runHandler(attempt);
    } catch (RuntimeException | Error e) {
      log.error(
          "unexpected error running job {}; its lease will expire and it will be rescued",
          job.id(),
          e);
      inFlight.remove(job.id(), attempt);
    } finally {
      MDC.clear();
    }
  }

  private void runHandler(Attempt attempt) {
    ClaimedJob job = attempt.job;
    if (attempt.stopCause() != null) {
      // Cancelled, or its lease lost, while it waited in the buffer: it never starts.
      record(attempt, null, new CancellationException(attempt.stopReason()));
      return;
    }
    HandlerRegistry.Registration<?> registration = handlers.get(job.kind());
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
      args = deserialise(job.argsJson(), registration.argsType());
    } catch (Exception e) {
      fail(
          attempt,
          "args could not be deserialised into "
              + registration.argsType().getName()
              + ": "
              + e.getMessage(),
          e,
          true);
      return;
    }
    Duration timeout =
        job.timeoutMs() != null ? Duration.ofMillis(job.timeoutMs()) : registration.timeout();
    long started = System.nanoTime();
    Object result = null;
    Throwable thrown = null;
    ScheduledFuture<?> timer = null;
    try {
      JobContext<?> context = newContext(job, args);
      attempt.started(context, Thread.currentThread());
      if (timeout != null) {
        Duration limit = timeout;
        timer =
            timers.schedule(
                () -> attempt.stop(Attempt.StopCause.TIMEOUT, "timed out after " + limit),
                limit.toMillis(),
                TimeUnit.MILLISECONDS);
      }
      result = invoke(registration, context);
    } catch (Throwable t) {
      thrown = t;
    } finally {
      attempt.handlerReturned();
      if (timer != null) {
        timer.cancel(false);
      }
    }
    metrics.handlerTime(job.queue(), job.kind(), System.nanoTime() - started);
    record(attempt, result, thrown);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Object invoke(HandlerRegistry.Registration<?> registration, JobContext<?> context)
      throws Exception {
    JobHandler handler = registration.handler();
    return handler.handle(context);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static JobContext<?> newContext(ClaimedJob job, Object args) {
    return new JobContext(job, args);
  }

  private static Object deserialise(String json, Class<?> type) throws Exception {
    if (type == String.class) {
      return json;
    }
    if (type == JsonNode.class || type == Object.class) {
      return Json.parse(json);
    }
    return Json.MAPPER.readValue(json, type);
  }

  private void record(Attempt attempt, Object result, Throwable thrown) {
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
        fail(attempt, describe(thrown), thrown, false);
      } else if (cause == Attempt.StopCause.SHUTDOWN) {
        release(attempt);
      } else if (cause == Attempt.StopCause.TIMEOUT) {
        fail(attempt, attempt.stopReason(), thrown, false);
      } else {
        String when =
            attempt.started() ? "cancelled while running: " : "cancelled before it started: ";
        finish(
            attempt,
            JobState.CANCELLED,
            error(job, when + attempt.stopReason(), attempt.started() ? thrown : null));
      }
      return;
    }
    // The handler returned normally: its outcome stands even if a stop arrived meanwhile.
    if (result instanceof Outcome.Snooze snooze) {
      write(attempt, () -> store.snooze(job.id(), job.attempt(), snooze.delay()), "snooze");
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
    String resultJson;
    try {
      resultJson = result == null ? null : Json.MAPPER.writeValueAsString(result);
    } catch (Exception e) {
      fail(
          attempt,
          "the handler's result could not be serialised to JSON: " + e.getMessage(),
          e,
          false);
      return;
    }
    completions.add(new JobStore.Completion(job.id(), job.attempt(), resultJson));
  }

  /** A failed attempt: retried after backoff while attempts remain, otherwise failed for good. */
  private void fail(Attempt attempt, String message, Throwable thrown, boolean permanent) {
    ClaimedJob job = attempt.job;
    String errorJson = error(job, message, thrown);
    metrics.attemptFailed(job.queue());
    if (!permanent && job.attempt() < job.maxAttempts()) {
      Duration delay = backoff.delayAfter(job.attempt());
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
    long sleepMs = 100;
    try {
      for (int i = 1; ; i++) {
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
        } catch (SQLException e) {
          if (i == WRITE_TRIES) {
            log.error(
                "job {} attempt {}: could not write {} after {} tries; the lease will expire and"
                    + " the job will be rescued",
                job.id(),
                job.attempt(),
                what,
                i,
                e);
            return;
          }
          log.warn(
              "job {} attempt {}: writing {} failed, retrying: {}",
              job.id(),
              job.attempt(),
              what,
              e.getMessage());
          try {
            Thread.sleep(sleepMs);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            return;
          }
          sleepMs *= 2;
        }
      }
    } finally {
      inFlight.remove(job.id(), attempt);
    }
  }

  private String error(ClaimedJob job, String message, Throwable thrown) {
    return Json.write(new JobError(job.attempt(), Instant.now(), nodeId, message, stack(thrown)));
  }

  private static String describe(Throwable t) {
    String message = t.getMessage();
    return t.getClass().getName() + (message == null ? "" : ": " + message);
  }

  private static String stack(Throwable t) {
    if (t == null) {
      return null;
    }
    StringWriter out = new StringWriter();
    t.printStackTrace(new PrintWriter(out));
    String s = out.toString();
    return s.length() > MAX_STACK_CHARS
        ? s.substring(0, MAX_STACK_CHARS) + "\n\t... (truncated)"
        : s;
  }
}
