package io.millrace.jobs;

import io.micrometer.core.instrument.MeterRegistry;
import io.millrace.base.JsonCodec;
import io.millrace.internal.cluster.Notifier;
import io.millrace.schema.SchemaName;
import io.opentelemetry.api.OpenTelemetry;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's workers: one claim loop and thread pool per queue, the completion batcher, the lease
 * heartbeat and the LISTEN connection.
 *
 * <p>Shutdown ({@link #stop}) stops claiming at once, lets running handlers finish until the
 * deadline, then interrupts the rest and releases their jobs (due now, the attempt not counted) so
 * another node takes them immediately instead of after a lease expiry; pending completions are
 * flushed before the heartbeat stops.
 */
final class Workers {
  private static final Logger log = LoggerFactory.getLogger(Workers.class);

  /**
   * The payload prefix, on the jobs channel, of a queue's limits having changed (the space cannot
   * occur in a queue name, so the payload is never mistaken for one).
   */
  static final String LIMITS_CHANGED = "limits ";

  private final WorkerSettings settings;
  private final JobStore store;
  private final Map<Long, Attempt> inFlight = new ConcurrentHashMap<>();
  private final List<QueueWorker> queueWorkers = new ArrayList<>();
  private final Map<String, QueueWorker> byQueue = new ConcurrentHashMap<>();
  private final List<ExecutorService> pools = new ArrayList<>();
  private final List<Thread> loops = new ArrayList<>();
  private final ScheduledExecutorService timers;
  private final CompletionBatcher completions;
  private final LeaseKeeper leaseKeeper;
  private final Notifier notifier;
  private final WorkerMetrics metrics;
  private final Overruns overruns;
  private final QueueLag lag;

  /** Writes outcomes decided off a handler thread (timeouts at their deadline). */
  private final ExecutorService outcomes;

  private final Thread completionThread;

  /**
   * @param dataSource where claims, completions and heartbeats run
   * @param notifier the node's LISTEN connection, which wakes the claim loops and cancels attempts
   */
  Workers(
      DataSource dataSource,
      Notifier notifier,
      SchemaName schema,
      HandlerRegistry handlers,
      RetryPolicies retries,
      WorkerSettings settings,
      MeterRegistry registry,
      JsonCodec codec,
      OpenTelemetry openTelemetry) {
    this.settings = settings;
    this.lag = new QueueLag(dataSource, schema, settings.queues().keySet(), registry);
    this.store = new JobStore(dataSource, schema);
    this.metrics = new WorkerMetrics(registry);
    this.overruns = new Overruns(registry);
    this.timers = Executors.newScheduledThreadPool(2, daemon("millrace-worker-timers"));
    this.outcomes = Executors.newSingleThreadExecutor(daemon("millrace-outcomes"));
    AttemptRunner[] runnerRef = new AttemptRunner[1];
    this.completions =
        new CompletionBatcher(
            store,
            settings.completionBatch(),
            settings.completionLinger(),
            new CompletionBatcher.Listener() {
              @Override
              public void written(JobStore.Completion completion, boolean held) {
                Attempt attempt = attemptOf(completion);
                if (attempt != null) {
                  inFlight.remove(completion.id(), attempt);
                }
                String queue = attempt == null ? "?" : attempt.job.queue();
                if (attempt != null) {
                  QueueWorker worker = byQueue.get(queue);
                  if (worker != null) {
                    worker.completionWritten();
                  }
                }
                if (held) {
                  metrics.completed(queue);
                } else {
                  metrics.fenced(queue);
                  log.warn(
                      "completion of job {} attempt {} rejected: the attempt had lost its lease",
                      completion.id(),
                      completion.attempt());
                }
              }

              @Override
              public void unwritable(JobStore.Completion completion, Exception error) {
                Attempt attempt = attemptOf(completion);
                if (attempt == null) {
                  log.error(
                      "job {} attempt {} is no longer held here; its unwritable completion is"
                          + " dropped",
                      completion.id(),
                      completion.attempt());
                  return;
                }
                metrics.completionUnwritable(attempt.job.queue());
                runnerRef[0].completionUnwritable(attempt, error);
              }
            },
            e -> metrics.completionFlushFailed());
    this.completionThread = daemon("millrace-completions").newThread(completions);
    this.leaseKeeper = new LeaseKeeper(store, inFlight, settings.lease());
    AttemptRunner runner =
        new AttemptRunner(
            handlers,
            store,
            completions,
            inFlight,
            timers,
            retries,
            settings.nodeId(),
            metrics,
            overruns,
            outcomes,
            codec,
            new JobTracing(openTelemetry, store));
    runnerRef[0] = runner;
    for (Map.Entry<String, Integer> q : settings.queues().entrySet()) {
      ExecutorService pool =
          Executors.newFixedThreadPool(q.getValue(), daemon("millrace-" + q.getKey()));
      pools.add(pool);
      queueWorkers.add(
          new QueueWorker(
              q.getKey(),
              q.getValue(),
              store,
              runner,
              pool,
              inFlight,
              settings,
              metrics,
              overruns));
      byQueue.put(q.getKey(), queueWorkers.get(queueWorkers.size() - 1));
    }
    this.notifier = notifier;
    notifier.subscribe(schema.jobsChannel(), this::wake, this::mayHaveMissed);
    notifier.subscribe(schema.cancelChannel(), this::cancel, () -> {});
  }

  void start() {
    completionThread.start();
    long beat = settings.heartbeat().toMillis();
    timers.scheduleWithFixedDelay(leaseKeeper, beat, beat, TimeUnit.MILLISECONDS);
    long lagEvery = QueueLag.INTERVAL.toMillis();
    timers.scheduleWithFixedDelay(lag::sample, 0, lagEvery, TimeUnit.MILLISECONDS);
    for (QueueWorker worker : queueWorkers) {
      worker.startHandlers();
      Thread t = daemon("millrace-claim-" + worker.queue()).newThread(worker);
      loops.add(t);
      t.start();
    }
    log.info("node {} working queues {}", settings.nodeId(), settings.queues());
  }

  /** True when this node listens for notifications (false: polling only). */
  boolean listening() {
    return notifier.listening();
  }

  /** Attempts this node holds right now. */
  int inFlight() {
    return inFlight.size();
  }

  /** Handler threads still running past their attempt's deadline (their attempts are recorded). */
  int overrunHandlers() {
    return overruns.total();
  }

  /**
   * This attempt of the completion's job, if this node still holds it. Keyed by id, but matched on
   * the attempt too: after a lost lease the same node may already hold the job's next attempt.
   */
  private @Nullable Attempt attemptOf(JobStore.Completion completion) {
    Attempt attempt = inFlight.get(completion.id());
    return attempt != null && attempt.job.attempt() == completion.attempt() ? attempt : null;
  }

  /**
   * Jobs this node has just enqueued and committed: the claim loops of their queues claim now. A
   * job with a run_at in the future is left to the loop's own recheck, as a notification would be.
   */
  void enqueuedHere(List<JobRequest> requests) {
    Instant now = Instant.now();
    @Nullable String last = null;
    for (JobRequest r : requests) {
      Instant runAt = r.runAt();
      if ((runAt == null || !runAt.isAfter(now)) && !r.queue().equals(last)) {
        last = r.queue();
        QueueWorker worker = byQueue.get(last);
        if (worker != null) {
          worker.wakeUp();
        }
      }
    }
  }

  /**
   * New jobs or changed limits may have been announced while no one listened: every claim loop
   * looks at its limits and claims once now rather than at its next poll. A missed cancel needs
   * nothing here: the lease heartbeat sees the cancellation and stops the attempt.
   */
  private void mayHaveMissed() {
    queueWorkers.forEach(QueueWorker::limitsChanged);
  }

  private void cancel(String payload) {
    try {
      leaseKeeper.cancelNow(Long.parseLong(payload));
    } catch (NumberFormatException e) {
      log.warn("ignoring malformed cancel notification '{}'", payload);
    }
  }

  private void wake(String payload) {
    boolean limits = payload.startsWith(LIMITS_CHANGED);
    String queue = limits ? payload.substring(LIMITS_CHANGED.length()) : payload;
    for (QueueWorker worker : queueWorkers) {
      if (worker.queue().equals(queue)) {
        if (limits) {
          worker.limitsChanged();
        } else {
          worker.wakeUp();
        }
      }
    }
  }

  /** Graceful shutdown; returns within about {@code deadlineNanos} plus one database round trip. */
  void stop(long deadlineNanos) {
    queueWorkers.forEach(QueueWorker::stopClaiming);
    for (Thread t : loops) {
      join(t, deadlineNanos);
    }
    queueWorkers.forEach(QueueWorker::releaseUnstarted);
    // A handler thread may hold an attempt it has not started, waiting for its lease to be
    // confirmed after an outage: it is released like the buffered ones.
    inFlight.values().stream()
        .filter(a -> !a.started())
        .forEach(a -> a.stop(Attempt.StopCause.SHUTDOWN, "node shutting down"));
    boolean idle = true;
    try {
      for (QueueWorker worker : queueWorkers) {
        idle &= worker.awaitIdle(deadlineNanos);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      idle = false;
    }
    if (!idle) {
      List<Attempt> running = inFlight.values().stream().filter(Attempt::handlerRunning).toList();
      log.warn(
          "shutdown deadline reached with {} handlers running; interrupting and releasing them",
          running.size());
      running.forEach(a -> a.stop(Attempt.StopCause.SHUTDOWN, "node shutting down"));
      try {
        for (QueueWorker worker : queueWorkers) {
          worker.awaitIdle(System.nanoTime() + TimeUnit.SECONDS.toNanos(2));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      List<ClaimedJob> stuck =
          inFlight.values().stream().filter(Attempt::handlerRunning).map(a -> a.job).toList();
      if (!stuck.isEmpty()) {
        try {
          store.release(stuck);
          inFlight.values().removeIf(Attempt::handlerRunning);
        } catch (SQLException e) {
          log.error(
              "could not release {} jobs at shutdown; they will be rescued when their leases expire",
              stuck.size(),
              e);
        }
      }
    }
    outcomes.shutdown();
    try {
      if (!outcomes.awaitTermination(
          Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime())),
          TimeUnit.MILLISECONDS)) {
        log.warn("timeouts still being recorded at shutdown; their leases will expire");
        outcomes.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    completions.close(Math.max(deadlineNanos, System.nanoTime() + TimeUnit.SECONDS.toNanos(5)));
    join(completionThread, System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
    timers.shutdownNow();
    pools.forEach(ExecutorService::shutdownNow);
  }

  private static void join(Thread t, long deadlineNanos) {
    try {
      long ms = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
      t.join(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
