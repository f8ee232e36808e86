package io.millrace.projections;

import io.millrace.base.Storable;
import io.millrace.internal.sql.SqlFile;
import io.millrace.internal.sql.Transactions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one projection on this node: takes its lease, catches up from the checkpoint in pages, then
 * tails the log (woken by NOTIFY, polling as well), and obeys the operator's retry and rebuild.
 *
 * <p>Each page is one transaction: read the page below the {@link ReadHorizon} (read before the
 * page's transaction begins, and again only when the last page was not full), compare-and-swap the
 * checkpoint (lease token and previous checkpoint), apply the handler, flush documents, commit. So
 * the state and the checkpoint move together or not at all, and a runner that lost its lease (or a
 * second runner racing it) fails the compare and writes nothing.
 *
 * <p>Termination: {@link #stop()} ends the loop after the page in flight (a short transaction) and
 * releases the lease; a crash leaves the lease to expire and the next holder resumes from the
 * committed checkpoint. Idempotence: a page is applied at most once per build because its commit is
 * the checkpoint's move; a crash before the commit loses the whole page, which is read again. The
 * loop cannot spin on one page: an empty read waits, a fenced write gives up the lease, a handler
 * error fails the projection until an operator retries.
 */
final class ProjectionRunner implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(ProjectionRunner.class);

  /** Where this node stands with the projection. */
  enum Phase {
    STARTING,
    STANDBY,
    CATCHING_UP,
    READY,
    FAILED,
    STOPPED
  }

  private final Projection projection;
  private final String name;
  private final ProjectionStore store;
  private final EventStore events;
  private final SqlFile documentsSql;
  private final DataSource dataSource;
  private final String owner;
  private final long leaseMs;
  private final long pollMs;
  private final ProjectionMeters meters;
  private final Object wakeLock = new Object();
  private boolean woken;
  private volatile boolean running = true;
  private volatile Phase phase = Phase.STARTING;
  private volatile @Nullable String error;
  private volatile LogPosition checkpoint = LogPosition.START;
  private final SideBySide sideBySide;

  /** The "<name>@<version>" key a blue/green build writes under; null when building in place. */
  private volatile @Nullable String shadow;

  private long token;
  private boolean reload;

  /** The last read horizon; it stays safe forever, so a catch-up reads it once per short page. */
  private volatile @Nullable ReadHorizon horizon;

  private boolean horizonHasMore;
  private long lastRenew;
  private final Progress progress;
  private final HorizonHold hold;
  private final io.millrace.base.JsonCodec codec;

  ProjectionRunner(
      Projection projection,
      ProjectionStore store,
      EventStore events,
      SqlFile documentsSql,
      DataSource dataSource,
      String owner,
      Duration lease,
      Duration poll,
      io.micrometer.core.instrument.MeterRegistry registry,
      io.millrace.base.JsonCodec codec) {
    this.projection = projection;
    this.codec = codec;
    this.name = projection.name();
    this.store = store;
    this.events = events;
    this.documentsSql = documentsSql;
    this.dataSource = dataSource;
    this.owner = owner;
    this.leaseMs = lease.toMillis();
    this.pollMs = poll.toMillis();
    this.meters = new ProjectionMeters(registry, name, this);
    this.sideBySide = new SideBySide(dataSource, store, name);
    this.progress = new Progress(events, dataSource);
    this.hold = new HorizonHold(projection, store, events, dataSource);
  }

  Projection projection() {
    return projection;
  }

  Phase phase() {
    return phase;
  }

  @Nullable String error() {
    return error;
  }

  LogPosition checkpoint() {
    return checkpoint;
  }

  /** The side-by-side build's key while a new version builds next to the serving one, else null. */
  @Nullable String shadow() {
    return shadow;
  }

  /**
   * Events committed after the checkpoint (capped at {@link Progress#LAG_CAP}); -1 before the first
   * count.
   */
  long lag() {
    return progress.lag();
  }

  /** Events applied per second over the last few seconds. */
  double rate() {
    return progress.rate();
  }

  /** How long committed events have waited behind the read horizon; zero when none wait. */
  Duration heldFor() {
    return hold.heldFor();
  }

  /** The last read horizon (with the transaction holding it), or null before the first read. */
  @Nullable ReadHorizon horizon() {
    return horizon;
  }

  /** Events applied by this runner since the node started (the replayed-events meter). */
  long applied() {
    return progress.applied();
  }

  /** Shortens the wait after an append or an operator's request. */
  void wake() {
    synchronized (wakeLock) {
      woken = true;
      wakeLock.notifyAll();
    }
  }

  /** Asks the loop to end after the page in flight; it then releases the lease. */
  void stop() {
    running = false;
    wake();
  }

  @Override
  public void run() {
    long pauseMs = pollMs;
    while (running) {
      try {
        step();
        pauseMs = pollMs;
      } catch (SQLException | RuntimeException e) {
        if (!running) {
          break;
        }
        log.warn("projection {}: {} (retrying in {} ms)", name, e.getMessage(), pauseMs);
        await(pauseMs);
        pauseMs = Math.min(pauseMs * 2, 30_000);
      }
    }
    if (token != 0) {
      try {
        store.release(name, token);
      } catch (SQLException e) {
        log.warn(
            "projection {}: could not release its lease (it expires on its own): {}",
            name,
            e.getMessage());
      }
    }
    phase = Phase.STOPPED;
  }

  private void step() throws SQLException {
    if (token == 0 && !acquire()) {
      return;
    }
    if (System.currentTimeMillis() - lastRenew >= Math.min(pollMs, leaseMs / 3) && !renew()) {
      return;
    }
    if (phase == Phase.FAILED) {
      await(pollMs);
      return;
    }
    if (phase == Phase.CATCHING_UP
        && progress.sinceCatchUpStart().compareTo(projection.rebuildTimeout()) > 0) {
      fail(
          "catching up did not finish within the rebuild timeout of "
              + projection.rebuildTimeout()
              + " (checkpoint "
              + checkpoint
              + ", "
              + (lag() < 0 ? "unknown" : Long.toString(lag()))
              + " events behind)");
      return;
    }
    projection.faults().at(FaultPoints.Point.BEFORE_PAGE, checkpoint);
    int n = applyPage();
    if (n > 0) {
      if (shadow == null) {
        hold.advanced(checkpoint, token);
      }
      refreshLag(false);
      return;
    }
    if (n == 0) {
      if (phase == Phase.CATCHING_UP) {
        catchUpIfDone();
      }
      if (shadow == null) {
        hold.emptyPage(checkpoint, token);
      }
      refreshLag(true);
      // Nothing readable: either caught up, or committed events wait above the horizon of an open
      // transaction. Either way only a commit can change that; wait for a wake-up or the poll.
      await(pollMs);
    }
  }

  private boolean acquire() throws SQLException {
    Optional<ProjectionStore.Lease> lease = store.acquire(name, owner, leaseMs);
    if (lease.isEmpty()) {
      phase = Phase.STANDBY;
      await(pollMs);
      return false;
    }
    token = lease.get().token();
    lastRenew = System.currentTimeMillis();
    hold.reset(token);
    log.info("projection {} runs on node {} (lease token {})", name, owner, token);
    adopt(lease.get(), true);
    return true;
  }

  /** False when the lease is lost: the next step tries to take it again. */
  private boolean renew() throws SQLException {
    Optional<ProjectionStore.Lease> lease = store.renew(name, token, leaseMs);
    if (lease.isEmpty()) {
      log.warn(
          "projection {}: lease token {} was taken over; this node stops running it", name, token);
      token = 0;
      phase = Phase.STANDBY;
      return false;
    }
    lastRenew = System.currentTimeMillis();
    adopt(lease.get(), false);
    return true;
  }

  /** Aligns this runner with the row: fingerprint, operator requests, status. */
  private void adopt(ProjectionStore.Lease lease, boolean acquired) throws SQLException {
    boolean reloaded = acquired || reload;
    if (reloaded) {
      checkpoint = lease.checkpoint();
      reload = false;
    }
    if (projection.blueGreen()
        && !lease.rebuildRequested()
        && !projection.version().equals(lease.fingerprint())
        && "ready".equals(lease.status())) {
      adoptSideBySide(reloaded);
      return;
    }
    if (!projection.version().equals(lease.fingerprint()) || lease.rebuildRequested()) {
      log.info(
          "projection {}: {}; replaying from the first event",
          name,
          lease.rebuildRequested()
              ? "rebuild requested"
              : "fingerprint changed from " + lease.fingerprint() + " to " + projection.version());
      reset();
      return;
    }
    if ("failed".equals(lease.status())) {
      phase = Phase.FAILED;
      error = lease.error();
    } else if (acquired
        || phase == Phase.FAILED
        || phase == Phase.STARTING
        || phase == Phase.STANDBY) {
      // A retry, a take-over or a start: this node is ready only once it has caught up itself.
      error = null;
      startCatchUp();
    }
  }

  /**
   * Blue/green: the old version keeps serving while this one builds under its own key; on start,
   * take-over or a retry, resume from the build's own checkpoint.
   */
  private void adoptSideBySide(boolean reloaded) throws SQLException {
    if (shadow == null || reloaded) {
      ProjectionStore.Row row = sideBySide.open(projection.version(), token);
      shadow = row.name();
      checkpoint = row.checkpoint();
      log.info(
          "projection {}: version {} builds side by side as {} from {}; the serving version stays",
          name,
          projection.version(),
          shadow,
          checkpoint);
      phase = Phase.STARTING;
    }
    ProjectionStore.Row row = sideBySide.row(shadow).orElse(null);
    if (row == null) {
      shadow = null;
      lastRenew = 0;
      return;
    }
    if ("failed".equals(row.status())) {
      phase = Phase.FAILED;
      error = row.error();
    } else if (phase != Phase.CATCHING_UP) {
      error = null;
      checkpoint = row.checkpoint();
      startCatchUp();
    }
  }

  private void reset() throws SQLException {
    shadow = null;
    try {
      boolean reset =
          Transactions.inTransaction(
              dataSource,
              c -> {
                if (!store.reset(c, name, projection.version(), token)) {
                  return false;
                }
                sideBySide.dropAll(c);
                try {
                  projection.handler().reset(c);
                } catch (SQLException e) {
                  throw new HandlerFailure("reset failed: " + e.getMessage(), e);
                }
                return true;
              });
      if (!reset) {
        lastRenew = 0;
        return;
      }
    } catch (HandlerFailure e) {
      fail(e.reason());
      return;
    }
    checkpoint = LogPosition.START;
    error = null;
    startCatchUp();
  }

  private void startCatchUp() {
    phase = Phase.CATCHING_UP;
    progress.startCatchUp();
  }

  /** Ready once no committed event lies after the checkpoint, readable yet or not. */
  private void catchUpIfDone() throws SQLException {
    LogPosition at = checkpoint;
    try (Connection c = dataSource.getConnection()) {
      if (events.anyAfter(c, at)) {
        return;
      }
    }
    String building = shadow;
    if (building != null) {
      if (sideBySide.takeOver(token, building, at)) {
        log.info(
            "projection {}: version {} caught up side by side and now serves",
            name,
            projection.version());
        shadow = null;
      } else {
        lastRenew = 0;
        reload = true;
        return;
      }
    }
    if (building != null || store.markReady(name, token, at)) {
      phase = Phase.READY;
      progress.caughtUp();
      meters.rebuilt(progress.sinceCatchUpStart());
      log.info(
          "projection {} is ready at {} ({} events applied on this node)",
          name,
          at,
          progress.applied());
    } else {
      lastRenew = 0;
    }
  }

  /**
   * Applies the next page; returns its size, 0 when nothing is readable, -1 when the checkpoint's
   * compare-and-swap failed (fenced, or an operator request came in: the next renew sorts it out).
   */
  private int applyPage() throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      if (horizon == null || !horizonHasMore) {
        // Before the page's transaction, whose snapshot must come after the horizon's read.
        horizon = events.horizon(c);
      }
      c.setAutoCommit(false);
      try {
        LogPosition from = checkpoint;
        List<Event> page = events.readAll(c, from, horizon.xid(), projection.pageSize());
        // A full page may have more below the same horizon: no need to read it again until not.
        horizonHasMore = page.size() == projection.pageSize();
        if (page.isEmpty()) {
          c.commit();
          return 0;
        }
        LogPosition to = page.get(page.size() - 1).logPosition();
        String building = shadow;
        boolean advanced =
            building == null
                ? store.advance(c, name, token, from, to, page.size(), leaseMs)
                : sideBySide.advance(c, token, building, from, to, page.size());
        if (!advanced) {
          c.rollback();
          lastRenew = 0;
          reload = true;
          return -1;
        }
        String key = building == null ? name : building;
        ProjectionContext context =
            new ProjectionContext(key, c, new Documents(c, documentsSql, key, codec));
        try {
          projection.handler().applyPage(page, context);
          context.documents().flush();
        } catch (Exception e) {
          c.rollback();
          if (connectionLost(e)) {
            throw new SQLException("connection lost while applying a page: " + e.getMessage(), e);
          }
          Event at = context.current();
          fail(
              "handler failed"
                  + (at == null
                      ? ""
                      : " at event "
                          + at.position()
                          + " ("
                          + at.type()
                          + ", stream "
                          + at.stream()
                          + " v"
                          + at.version()
                          + ")")
                  + ": "
                  + e);
          return -1;
        }
        projection.faults().at(FaultPoints.Point.BEFORE_COMMIT, to);
        c.commit();
        checkpoint = to;
        progress.applied(page.size());
        meters.applied(page.size());
        projection.faults().at(FaultPoints.Point.AFTER_COMMIT, to);
        return page.size();
      } catch (SQLException | RuntimeException | Error e) {
        rollbackQuietly(c);
        throw e;
      } finally {
        if (!c.isClosed()) {
          c.setAutoCommit(true);
        }
      }
    }
  }

  private void fail(String reason) throws SQLException {
    // The reason carries a handler's exception text, which may hold NUL or a lone surrogate:
    // escaped, it is stored and shown instead of failing the failure itself.
    String message = Storable.escape(reason);
    String building = shadow;
    if (building != null) {
      // The new version failed; the old one keeps serving, and `retry` resumes the build.
      log.error(
          "projection {}: version {} building side by side failed: {}",
          name,
          projection.version(),
          message);
      sideBySide.fail(building, message);
      error = message;
      phase = Phase.FAILED;
      return;
    }
    log.error("projection {} failed: {}", name, message);
    store.markFailed(name, token, message);
    error = message;
    phase = Phase.FAILED;
  }

  private void refreshLag(boolean idle) throws SQLException {
    if (progress.refreshLag(checkpoint, idle && phase == Phase.READY)) {
      meters.lag(progress.lag());
    }
  }

  private void await(long ms) {
    synchronized (wakeLock) {
      if (!woken && running) {
        try {
          wakeLock.wait(ms);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          running = false;
        }
      }
      woken = false;
    }
  }

  private static boolean connectionLost(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql
          && sql.getSQLState() != null
          && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
        return true;
      }
    }
    return false;
  }

  private static void rollbackQuietly(Connection c) {
    try {
      if (!c.isClosed() && !c.getAutoCommit()) {
        c.rollback();
      }
    } catch (SQLException e) {
      log.debug("rollback after a failed page failed too (the connection is gone)", e);
    }
  }

  /** A handler (or reset) error: fails the projection instead of being retried. */
  private static final class HandlerFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String reason;

    HandlerFailure(String reason, Throwable cause) {
      super(reason, cause);
      this.reason = reason;
    }

    /** The message, never null (unlike {@link #getMessage()} in general). */
    String reason() {
      return reason;
    }
  }
}
