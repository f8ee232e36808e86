package io.millrace.workflows;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.millrace.internal.sql.SqlFile;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes cascades that live dispatchers did not: a leader maintenance task that, each tick, takes
 * up to a batch of completion events still undispatched after the stale threshold (oldest first,
 * through the partial index {@code workflow_events_undispatched_idx}, optionally only one namespace
 * or tag, filtered in SQL) and dispatches each as one hop through the same {@link Dispatcher}.
 *
 * <p><b>Depth bound.</b> An interrupted cascade is a frontier of undispatched events: everything
 * above it was dispatched (each hop commits its claim with its advancement, so there is no
 * half-dispatched event), nothing below it exists yet. A tick dispatches every frontier event it
 * reads; dispatching an event at depth d can only insert events at depth d + 1 (its skipped
 * children), which this tick does not read — it only reads the batch selected at its start. So
 * after tick k the frontier has moved at least k levels down, and a cascade with D levels left
 * below the interruption drains in at most D ticks, provided each tick's batch holds the frontier
 * (the batch size bounds the width served per tick; a wider frontier takes ⌈width / batch⌉ ticks
 * per level) and ticks are at least the stale threshold apart (new events must age first). Children
 * released along the way are not part of the bound: they run as jobs, and their own completion
 * events start new cascades.
 *
 * <p><b>Idempotence and termination.</b> A tick reads a bounded batch and returns. Each hop is
 * claim-guarded, so an event that a live dispatcher finished meanwhile is a counted no-op, and a
 * replayed or doubly-selected event changes nothing. A hop that fails is counted as an error,
 * logged, and left undispatched for the next tick; it never stops the rest of the batch. A tick
 * killed mid-way (leader crash) leaves only undispatched events, which the next leader's tick
 * takes.
 */
final class Reconciler {
  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

  /**
   * One tick. {@code scanned} events were stale, {@code reconciled} of them advanced their
   * workflow, {@code noop} had been dispatched meanwhile, {@code errors} failed and stay stale.
   */
  record Report(int scanned, int reconciled, int noop, int errors) {}

  private final DataSource dataSource;
  private final SqlFile sql;
  private final Dispatcher dispatcher;
  private final WorkflowOptions options;
  private final Counter scanned;
  private final Counter reconciled;
  private final Counter noop;
  private final Counter errors;

  Reconciler(
      DataSource dataSource,
      SqlFile sql,
      Dispatcher dispatcher,
      WorkflowOptions options,
      MeterRegistry meters) {
    this.dataSource = dataSource;
    this.sql = sql;
    this.dispatcher = dispatcher;
    this.options = options;
    this.scanned = counter(meters, "scanned", "Stale workflow events the reconciler read");
    this.reconciled =
        counter(meters, "reconciled", "Stale workflow events the reconciler dispatched");
    this.noop =
        counter(
            meters,
            "noop",
            "Stale workflow events already dispatched when the reconciler got to them");
    this.errors =
        counter(
            meters,
            "errors",
            "Workflow events the reconciler failed to dispatch (retried next tick)");
  }

  /** One sweep; throws only if the stale events cannot be read at all. */
  Report tick() throws SQLException {
    List<Long> stale = staleEvents();
    int advanced = 0;
    int same = 0;
    int failed = 0;
    for (long id : stale) {
      try {
        if (dispatcher.dispatch(id).advanced()) {
          advanced++;
        } else {
          same++;
        }
      } catch (SQLException | RuntimeException e) {
        if (e instanceof Dispatcher.Halted halted) {
          throw halted;
        }
        failed++;
        log.error(
            "reconciler could not dispatch workflow event {} (retried next tick): {}",
            id,
            e.getMessage(),
            e);
      }
    }
    Report report = new Report(stale.size(), advanced, same, failed);
    scanned.increment(report.scanned());
    reconciled.increment(report.reconciled());
    noop.increment(report.noop());
    errors.increment(report.errors());
    if (report.reconciled() > 0 || report.errors() > 0) {
      log.info("workflow reconciler: {}", report);
    } else {
      log.debug("workflow reconciler: {}", report);
    }
    return report;
  }

  private List<Long> staleEvents() throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("stale_events"))) {
      ps.setLong(1, options.staleAfter().toMillis());
      ps.setString(2, options.namespace());
      ps.setString(3, options.namespace());
      ps.setString(4, options.tag());
      ps.setString(5, options.tag());
      ps.setInt(6, options.reconcileBatch());
      List<Long> ids = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ids.add(rs.getLong(1));
        }
      }
      return ids;
    }
  }

  private static Counter counter(MeterRegistry meters, String what, String description) {
    return Counter.builder("millrace.workflows.reconciler." + what)
        .description(description)
        .register(meters);
  }
}
