package io.millrace.backfills;

import io.millrace.base.MillraceException;
import io.millrace.base.Storable;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One leased run of one backfill on this node: from acquiring the lease until the backfill
 * succeeds, fails, is paused or cancelled, loses its lease, or the node shuts down.
 *
 * <p><b>Termination.</b> Each committed batch moves the cursor strictly forward (its end is the
 * largest of N ≥ 1 keys greater than the cursor) and never past the upper bound snapshotted at the
 * first start; the keys in (cursor, bound] are finite, so the walk ends with a batch that finds no
 * key, which marks the target's state finished in its own transaction. Rows the body leaves
 * unchanged (no match, filtered out) cost nothing extra: the walk is over keys, not over matches.
 *
 * <p><b>Idempotence.</b> The body, the cursor and the counters commit in one target transaction
 * guarded by the fence, so a crash or kill at any instant leaves either the whole batch or none of
 * it, and the next run (any node, new fence) starts at exactly the committed cursor. A node that
 * lost its lease can at most finish the batch already past its fence check; the new owner's claim
 * waits for that transaction (row lock on PostgreSQL, the writer lock on SQLite) before taking the
 * fence, so that batch is already in the cursor the new owner reads.
 *
 * <p><b>Errors.</b> A failing step (target claim and bound snapshot, throttle, batch, heartbeat) is
 * retried with backoff up to the definition's attempts, then the backfill is {@code failed} with
 * the message and the cursor kept. A timed-out batch is retried at half the size without spending
 * an attempt. A locked target (someone else's lock: PostgreSQL's lock_timeout, which is shorter
 * than the statement timeout, or SQLite's busy_timeout ran out) is a throttle, at any step: the run
 * waits with backoff, keeps its lease, shows {@code waiting on a lock} as {@code throttledBy},
 * spends no attempt and leaves the batch size alone.
 */
final class BackfillRun {
  private static final Logger log = LoggerFactory.getLogger(BackfillRun.class);

  /** How a run ended. */
  enum End {
    SUCCEEDED,
    FAILED,
    STOPPED_BY_OPERATOR,
    LOST_LEASE,
    RELEASED,
    REGISTRY_UNREACHABLE
  }

  private final Backfill def;
  private final TargetStore target;
  private final Registry registry;
  private final long fence;
  private final Duration lease;
  private final CountDownLatch stopping;
  private final BackfillMetrics metrics;
  private final Throttle.Target throttleTarget;

  private int attempts;
  private @Nullable String throttledBy;

  /** Lock waits in a row, for the backoff; reset by the next committed batch. */
  private int lockWaits;

  BackfillRun(
      Backfill def,
      TargetStore target,
      Registry registry,
      long fence,
      Duration lease,
      CountDownLatch stopping,
      BackfillMetrics metrics) {
    this.def = def;
    this.target = target;
    this.registry = registry;
    this.fence = fence;
    this.lease = lease;
    this.stopping = stopping;
    this.metrics = metrics;
    this.throttleTarget =
        new Throttle.Target() {
          @Override
          public javax.sql.DataSource dataSource() {
            return def.target();
          }

          @Override
          public String table() {
            return def.table();
          }

          @Override
          public boolean postgres() {
            try {
              return target.dialect() == Dialect.POSTGRESQL;
            } catch (SQLException e) {
              throw new MillraceException(
                  "could not recognise the target of backfill " + def.name(), e);
            }
          }
        };
  }

  End run() {
    try {
      return loop();
    } finally {
      metrics.stopped(def.name());
    }
  }

  private End loop() {
    TargetStore.State state = null;
    while (state == null) {
      if (stopping.getCount() == 0) {
        return release();
      }
      try {
        state = target.claim(fence);
      } catch (TargetStore.FencedOutException e) {
        log.info("backfill {}: {}", def.name(), e.getMessage());
        return End.LOST_LEASE;
      } catch (SQLException e) {
        End end =
            isBusy(e)
                ? waitForLock(e, () -> registry.waiting(def.name(), fence, lease, throttledBy))
                : failedAttempt("preparing the target failed", e, null);
        if (end != null) {
          return end;
        }
      } catch (RuntimeException e) {
        End end = failedAttempt("preparing the target failed", e, null);
        if (end != null) {
          return end;
        }
      }
    }
    if (state.finished()) {
      return succeed();
    }
    Progress progress = new Progress(state, System.nanoTime());
    BatchSizer sizer =
        new BatchSizer(
            def.targetBatchTime(),
            state.batchSize() == null ? def.initialBatchSize() : state.batchSize(),
            def.maxBatchSize());
    log.info(
        "backfill {} running (fence {}) from cursor {} up to {}",
        def.name(),
        fence,
        progress.cursor(),
        state.upper());
    while (true) {
      if (stopping.getCount() == 0) {
        return release();
      }
      // Every batch: the lease, the mirror and the operator's pause or cancel are checked before
      // each batch, so an action lands after at most the batch in flight. One single-row HOT
      // update.
      TargetStore.State claimed = state;
      End control =
          heartbeat(
              () -> registry.heartbeat(def.name(), fence, lease, beat(claimed, progress, sizer)));
      if (control != null) {
        return control;
      }
      String reason;
      try {
        reason = throttleReason();
      } catch (SQLException | RuntimeException e) {
        End end = failedAttempt("a throttle failed", e, progress);
        if (end != null) {
          return end;
        }
        continue;
      }
      try {
        if (reason != null) {
          throttledBy = reason;
          metrics.throttled(def.name());
          pause(def.throttleRecheck());
          continue;
        }
        throttledBy = null;
        long start = System.nanoTime();
        TargetStore.Outcome outcome = target.batch(fence, state, progress.cursor(), sizer.size());
        long elapsed = System.nanoTime() - start;
        if (outcome instanceof TargetStore.Outcome.Advanced a) {
          sizer.completed(elapsed);
          progress.advanced(
              a.cursor(), a.keys(), a.affected(), elapsed, System.nanoTime(), sizer.settled());
          metrics.batch(def.name(), "committed", elapsed);
          metrics.update(def.name(), progress, sizer, true);
          attempts = 0;
          lockWaits = 0;
          pause(def.yieldBetweenBatches());
        } else if (outcome instanceof TargetStore.Outcome.Done) {
          progress.finished();
          return succeed();
        } else {
          log.info(
              "backfill {}: fence {} was taken over by a newer node; stopping", def.name(), fence);
          return End.LOST_LEASE;
        }
      } catch (SQLException e) {
        if (isBusy(e)) {
          // Checked first: a lock wait is never a slow batch, whatever else the error says. The
          // heartbeat at the top of the loop extends the lease and shows the wait.
          waitForLock(e, () -> true);
          continue;
        }
        if (isTimeout(e) && sizer.timedOut()) {
          metrics.batch(def.name(), "timeout", 0);
          log.info(
              "backfill {}: batch ran over {}; retrying at {} keys",
              def.name(),
              def.batchTimeout(),
              sizer.size());
          continue;
        }
        metrics.batch(def.name(), "failed", 0);
        End end = failedAttempt(batchLabel(progress) + " failed", e, progress);
        if (end != null) {
          return end;
        }
      } catch (RuntimeException e) {
        metrics.batch(def.name(), "failed", 0);
        End end = failedAttempt(batchLabel(progress) + " failed", e, progress);
        if (end != null) {
          return end;
        }
      }
    }
  }

  private Registry.Heartbeat beat(TargetStore.State state, Progress progress, BatchSizer sizer) {
    return new Registry.Heartbeat(
        TargetStore.text(progress.cursor()),
        TargetStore.text(state.upper()),
        progress.processed(),
        progress.affected(),
        progress.total(),
        progress.batches(),
        sizer.size(),
        progress.rate(),
        progress.etaSeconds(sizer),
        throttledBy,
        attempts);
  }

  /** One renewal of the lease in the registry: false when the lease is gone. */
  @FunctionalInterface
  private interface Renewal {
    boolean renew() throws SQLException;
  }

  /** Extends the lease (and mirrors progress); an end when the run must stop, null to go on. */
  private @Nullable End heartbeat(Renewal renewal) {
    while (true) {
      try {
        if (renewal.renew()) {
          return null;
        }
        log.info("backfill {}: lease gone (paused, cancelled or taken over); stopping", def.name());
        return End.STOPPED_BY_OPERATOR;
      } catch (SQLException e) {
        // Without a heartbeat the lease runs out and another node may take over; the fence keeps
        // the target safe either way. Retry a bounded number of times, then give the backfill up.
        attempts++;
        log.warn(
            "backfill {}: heartbeat failed (attempt {} of {}): {}",
            def.name(),
            attempts,
            def.maxAttempts(),
            e.getMessage());
        if (attempts >= def.maxAttempts()) {
          log.error(
              "backfill {}: Millrace's database unreachable; leaving the run to the lease",
              def.name(),
              e);
          return End.REGISTRY_UNREACHABLE;
        }
        pause(backoff());
      }
    }
  }

  /**
   * Someone else holds a lock the step needs: shows it as the throttle, counts it (batch outcome
   * {@code busy} and a throttle wait), renews the lease and waits, doubling the wait from the
   * throttle recheck up to {@link #lockBackoffCap} while the lock stays. No attempt is spent.
   */
  private @Nullable End waitForLock(SQLException e, Renewal renewal) {
    lockWaits++;
    throttledBy = "waiting on a lock on the target: " + Storable.escape(describe(e));
    metrics.batch(def.name(), "busy", 0);
    metrics.throttled(def.name());
    log.info("backfill {}: {} (wait {} in a row)", def.name(), throttledBy, lockWaits);
    End end = heartbeat(renewal);
    if (end != null) {
      return end;
    }
    long recheck = def.throttleRecheck().toMillis();
    long wait = recheck << Math.min(10, lockWaits - 1);
    pause(Duration.ofMillis(Math.min(wait, Math.max(recheck, lockBackoffCap().toMillis()))));
    return null;
  }

  /** The longest wait between two tries on a locked target: 5 s, and a third of the lease. */
  private Duration lockBackoffCap() {
    return Duration.ofMillis(Math.min(5_000, lease.toMillis() / 3));
  }

  /** How a batch names itself in errors: there is no key to name before the first one. */
  private static String batchLabel(Progress progress) {
    return progress.cursor() == null ? "first batch" : "batch after key " + progress.cursor();
  }

  private @Nullable String throttleReason() throws SQLException {
    for (Throttle t : def.throttles()) {
      String reason = t.check(throttleTarget);
      if (reason != null) {
        return reason;
      }
    }
    return null;
  }

  /**
   * Records a failed attempt; returns FAILED once attempts are spent, null to try again after a
   * backoff.
   */
  private @Nullable End failedAttempt(String what, Exception e, @Nullable Progress progress) {
    attempts++;
    String message = what + ": " + describe(e);
    log.warn(
        "backfill {}: {} (attempt {} of {})", def.name(), message, attempts, def.maxAttempts());
    try {
      if (attempts >= def.maxAttempts()) {
        String error =
            message
                + " (gave up after "
                + attempts
                + " attempts; cursor kept"
                + (progress == null
                    ? ""
                    : progress.cursor() == null
                        ? " before the first key"
                        : " at " + progress.cursor())
                + ")";
        if (!registry.fail(def.name(), fence, error)) {
          log.info("backfill {}: not marked failed, the lease is gone", def.name());
          return End.LOST_LEASE;
        }
        log.error("backfill {} failed: {}", def.name(), error, e);
        return End.FAILED;
      }
      if (!registry.recordError(def.name(), fence, attempts, message)) {
        return End.STOPPED_BY_OPERATOR;
      }
    } catch (SQLException registryError) {
      log.error(
          "backfill {}: could not record its failure in Millrace's database: {}",
          def.name(),
          registryError.getMessage(),
          e);
      return End.REGISTRY_UNREACHABLE;
    }
    pause(backoff());
    return null;
  }

  private End succeed() {
    try {
      if (registry.succeed(def.name(), fence)) {
        log.info("backfill {} succeeded", def.name());
        return End.SUCCEEDED;
      }
      return End.STOPPED_BY_OPERATOR;
    } catch (SQLException e) {
      // The target says finished; whichever node takes the lease next marks it succeeded at once.
      log.error(
          "backfill {} finished but could not be marked succeeded: {}",
          def.name(),
          e.getMessage(),
          e);
      return End.REGISTRY_UNREACHABLE;
    }
  }

  private End release() {
    try {
      registry.release(def.name(), fence);
    } catch (SQLException e) {
      log.warn(
          "backfill {}: could not release its lease at shutdown (it expires on its own): {}",
          def.name(),
          e.getMessage());
    }
    return End.RELEASED;
  }

  private boolean isTimeout(SQLException e) {
    try {
      return target.dialect().isTimeout(e);
    } catch (SQLException unknown) {
      return false;
    }
  }

  private boolean isBusy(SQLException e) {
    try {
      return target.dialect().isBusy(e);
    } catch (SQLException unknown) {
      return false;
    }
  }

  private Duration backoff() {
    long millis = Math.min(5_000, 100L << Math.min(10, Math.max(0, attempts - 1)));
    return Duration.ofMillis(Math.min(millis, lease.toMillis() / 3));
  }

  private void pause(Duration d) {
    if (d.isZero()) {
      return;
    }
    try {
      stopping.await(d.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopping.countDown();
    }
  }

  static String describe(Throwable e) {
    StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
    for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      if (c.getMessage() != null && !sb.toString().contains(c.getMessage())) {
        sb.append(": ").append(c.getMessage());
      }
    }
    return sb.toString();
  }
}
