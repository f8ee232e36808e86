package io.millrace.projections;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.millrace.base.Json;
import io.millrace.base.JsonCodec;
import io.millrace.base.MillraceException;
import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import io.millrace.health.Readiness;
import io.millrace.internal.cluster.Notifier;
import io.millrace.internal.sql.SqlFile;
import io.millrace.jobs.JobRequest;
import io.millrace.schema.SchemaName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A node's projections: runs the ones it was built with (one thread each, each under its lease),
 * and answers for all of them, including those other nodes run: status, retry, rebuild, the query
 * guard's status, readiness, and reads of the document store.
 *
 * <p>Start-up never waits for a catch-up: {@link #start(Notifier)} only registers and starts
 * threads, so a server binds and answers {@code /health} at once while the runners catch up in the
 * background.
 */
public final class Projections {
  /** The answer of {@link #retry} and {@link #rebuild}. */
  public enum Request {
    ACCEPTED,
    NOT_FOUND,
    NOT_FAILED
  }

  private final DataSource dataSource;
  private final EventStore events;
  private final ProjectionStore store;
  private final SqlFile documentsSql;
  private final Map<String, ProjectionRunner> runners = new LinkedHashMap<>();
  private final List<Thread> threads = new ArrayList<>();

  Projections(
      DataSource dataSource,
      SchemaName schema,
      String nodeId,
      List<Projection> projections,
      Duration lease,
      Duration poll,
      MeterRegistry meters,
      JsonCodec codec) {
    this.dataSource = dataSource;
    this.events = new EventStore(dataSource, schema, codec);
    this.store = new ProjectionStore(dataSource, schema);
    this.documentsSql = SqlFile.load(Projections.class, "documents.sql", schema);
    for (Projection p : projections) {
      if (runners.containsKey(p.name())) {
        throw new ValidationException("projection", "'" + p.name() + "' is registered twice");
      }
      runners.put(
          p.name(),
          new ProjectionRunner(
              p, store, events, documentsSql, dataSource, nodeId, lease, poll, meters, codec));
    }
  }

  public EventStore events() {
    return events;
  }

  /**
   * Registers this node's projections and starts their runners; returns at once. The runners wake
   * on each append announced to {@code notifier}, and once after each of its connects (appends
   * announced while no one listened); they poll as well.
   */
  synchronized void start(Notifier notifier) {
    if (runners.isEmpty()) {
      return;
    }
    try {
      for (ProjectionRunner r : runners.values()) {
        store.register(r.projection().name(), r.projection().version());
      }
    } catch (SQLException e) {
      throw new MillraceException("could not register projections: " + e.getMessage(), e);
    }
    for (ProjectionRunner r : runners.values()) {
      Thread t = new Thread(r, "millrace-projection-" + r.projection().name());
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    Runnable wakeAll = () -> runners.values().forEach(ProjectionRunner::wake);
    notifier.subscribe(events.channel(), payload -> wakeAll.run(), wakeAll);
  }

  /** Stops the runners after their page in flight and releases their leases. */
  synchronized void stop() {
    runners.values().forEach(ProjectionRunner::stop);
    for (Thread t : threads) {
      try {
        t.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Every projection known to the database, with this node's view of each. */
  public List<ProjectionStatus> list() {
    try {
      List<ProjectionStatus> all = new ArrayList<>();
      for (ProjectionStore.Row row : store.list()) {
        all.add(status(row));
      }
      return all;
    } catch (SQLException e) {
      throw new MillraceException("could not list projections: " + e.getMessage(), e);
    }
  }

  public Optional<ProjectionStatus> get(String name) {
    JobRequest.requireName("projection", name);
    try {
      Optional<ProjectionStore.Row> row = store.get(name);
      return row.isEmpty() ? Optional.empty() : Optional.of(status(row.get()));
    } catch (SQLException e) {
      throw new MillraceException("could not read projection " + name + ": " + e.getMessage(), e);
    }
  }

  /** A failed projection catches up again from its checkpoint (the node holding it resumes). */
  public Request retry(String name) {
    return request("request_retry", name);
  }

  /**
   * The projection starts over from the first event; its queries answer 503 until it catches up.
   */
  public Request rebuild(String name) {
    return request("request_rebuild", name);
  }

  /**
   * Whether the projection's read model may be queried now (shared by all nodes; one key lookup). A
   * ready projection whose committed events have waited behind the read horizon for longer than its
   * staleness budget is {@link QueryStatus#STALE}.
   */
  public QueryStatus queryStatus(String name) {
    JobRequest.requireName("projection", name);
    try {
      return store
          .status(name)
          .map(
              s ->
                  switch (s.status()) {
                    case "ready" -> s.stale() ? QueryStatus.STALE : QueryStatus.READY;
                    case "failed" -> QueryStatus.FAILED;
                    default -> QueryStatus.REBUILDING;
                  })
          .orElse(QueryStatus.UNKNOWN);
    } catch (SQLException e) {
      throw new MillraceException(
          "could not read the status of projection " + name + ": " + e.getMessage(), e);
    }
  }

  /** One document of a projection's built-in store. */
  public Optional<JsonNode> document(String projection, String id) {
    JobRequest.requireName("projection", projection);
    Documents.checkId(id);
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(documentsSql.get("get"))) {
      ps.setString(1, projection);
      ps.setString(2, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(Json.tree(rs.getString(1))) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new MillraceException(
          "could not read document " + id + " of " + projection + ": " + e.getMessage(), e);
    }
  }

  /** A page of documents in id order after {@code afterId} (null or empty for the first page). */
  public List<Document> documents(String projection, String afterId, int limit) {
    JobRequest.requireName("projection", projection);
    if (limit < 1 || limit > 1000) {
      throw new ValidationException("limit", "must be between 1 and 1000, got " + limit);
    }
    Storable.text("afterId", afterId);
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(documentsSql.get("list"))) {
      ps.setString(1, projection);
      ps.setString(2, afterId == null ? "" : afterId);
      ps.setInt(3, limit);
      List<Document> docs = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          docs.add(new Document(rs.getString(1), Json.tree(rs.getString(2))));
        }
      }
      return docs;
    } catch (SQLException e) {
      throw new MillraceException(
          "could not list documents of " + projection + ": " + e.getMessage(), e);
    }
  }

  /** The readiness check of each projection this node runs and was told is required. */
  List<Readiness.Check> readinessChecks() {
    List<Readiness.Check> checks = new ArrayList<>();
    for (ProjectionRunner r : runners.values()) {
      if (r.projection().required()) {
        checks.add(() -> readiness(r));
      }
    }
    return checks;
  }

  private Readiness.Status readiness(ProjectionRunner r) {
    String name = "projection:" + r.projection().name();
    ProjectionRunner.Phase phase = r.phase();
    if (phase == ProjectionRunner.Phase.READY) {
      Duration held = r.heldFor();
      if (held.compareTo(r.projection().stalenessBudget()) > 0) {
        return staleStatus(name, r.projection(), held, r);
      }
      return Readiness.Status.ready(name, "projection " + r.projection().name() + " is caught up");
    }
    if (r.shadow() != null && phase != ProjectionRunner.Phase.FAILED) {
      // Blue/green: the previous version answers queries while this one builds.
      return Readiness.Status.ready(
          name,
          "projection "
              + r.projection().name()
              + " serves its previous version while "
              + r.shadow()
              + " builds side by side ("
              + (r.lag() < 0 ? "lag unknown" : r.lag() + " events behind")
              + ")");
    }
    if (phase == ProjectionRunner.Phase.STANDBY && readyElsewhere(r.projection())) {
      ProjectionStore.Standing standing = standing(r.projection());
      // stale_at is set with held_since, so a stale standing always has a hold.
      Duration held = standing == null ? null : standing.held();
      if (standing != null && standing.stale() && held != null) {
        return staleStatus(name, r.projection(), held, null);
      }
      return Readiness.Status.ready(
          name, "projection " + r.projection().name() + " is ready (run by another node)");
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("status", phase == ProjectionRunner.Phase.FAILED ? "failed" : "catching_up");
    details.put("node", phase.name().toLowerCase(java.util.Locale.ROOT));
    details.put("checkpoint", r.checkpoint().toString());
    details.put("lag", r.lag());
    details.put("eventsPerSecond", Math.round(r.rate() * 10) / 10.0);
    Long eta = eta(r.lag(), r.rate());
    details.put("etaSeconds", eta);
    if (r.error() != null) {
      details.put("error", r.error());
    }
    String message =
        phase == ProjectionRunner.Phase.FAILED
            ? "projection " + r.projection().name() + " failed: " + r.error()
            : "projection "
                + r.projection().name()
                + " is catching up ("
                + (r.lag() < 0 ? "lag unknown" : r.lag() + " events behind")
                + (eta == null ? "" : ", about " + eta + " s left")
                + ")";
    return Readiness.Status.notReady(name, message, details);
  }

  /**
   * Not ready: caught up with all it may read, but committed events have waited behind the read
   * horizon past the budget. The node running it ({@code runner} not null) also names its
   * checkpoint, lag and the transaction holding the horizon.
   */
  private static Readiness.Status staleStatus(
      String check, Projection p, Duration held, @Nullable ProjectionRunner runner) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("status", "stale");
    details.put("node", runner == null ? "standby" : "running");
    details.put("heldSeconds", held.toSeconds());
    details.put("stalenessBudgetSeconds", p.stalenessBudget().toSeconds());
    ReadHorizon horizon = runner == null ? null : runner.horizon();
    if (runner != null) {
      details.put("checkpoint", runner.checkpoint().toString());
      details.put("lag", runner.lag());
    }
    String by = "";
    if (horizon != null && horizon.holder() != null) {
      details.put("heldBy", horizon.holder());
      if (horizon.holderSince() != null) {
        details.put("heldBySince", horizon.holderSince().toString());
      }
      by = " (" + horizon.holder() + ")";
    }
    return Readiness.Status.notReady(
        check,
        "projection "
            + p.name()
            + " is stale: committed events have waited "
            + held.toSeconds()
            + " s behind an open write transaction in this database"
            + by
            + ", over its staleness budget of "
            + p.stalenessBudget().toSeconds()
            + " s",
        details);
  }

  private ProjectionStore.@Nullable Standing standing(Projection projection) {
    try {
      return store.status(projection.name()).orElse(null);
    } catch (SQLException e) {
      throw new MillraceException(
          "could not read projection " + projection.name() + ": " + e.getMessage(), e);
    }
  }

  /** Another node runs it, it is ready, and at this node's fingerprint (not an older build's). */
  private boolean readyElsewhere(Projection projection) {
    try {
      return store
          .get(projection.name())
          .map(
              row -> "ready".equals(row.status()) && projection.version().equals(row.fingerprint()))
          .orElse(false);
    } catch (SQLException e) {
      throw new MillraceException(
          "could not read projection " + projection.name() + ": " + e.getMessage(), e);
    }
  }

  private Request request(String statement, String name) {
    JobRequest.requireName("projection", name);
    try {
      if (store.request(statement, name)) {
        events.wake();
        return Request.ACCEPTED;
      }
      return store.get(name).isPresent() ? Request.NOT_FAILED : Request.NOT_FOUND;
    } catch (SQLException e) {
      throw new MillraceException("could not update projection " + name + ": " + e.getMessage(), e);
    }
  }

  private ProjectionStatus status(ProjectionStore.Row row) throws SQLException {
    ProjectionRunner r = runners.get(row.name());
    String node;
    long lag;
    @Nullable Double rate = null;
    if (r != null
        && (r.phase() == ProjectionRunner.Phase.CATCHING_UP
            || r.phase() == ProjectionRunner.Phase.READY
            || r.phase() == ProjectionRunner.Phase.FAILED)) {
      node = "running";
      rate = Math.round(r.rate() * 10) / 10.0;
    } else {
      node =
          r == null
              ? "not_registered"
              : r.phase() == ProjectionRunner.Phase.STOPPED
                  ? "stopped"
                  : r.phase() == ProjectionRunner.Phase.STARTING ? "starting" : "standby";
    }
    try (Connection c = dataSource.getConnection()) {
      lag = events.countAfter(c, row.checkpoint(), Progress.LAG_CAP);
    }
    return new ProjectionStatus(
        row.name(),
        row.fingerprint(),
        row.status(),
        node,
        r != null && r.phase() == ProjectionRunner.Phase.READY,
        r != null && r.projection().required(),
        row.checkpoint().toString(),
        row.eventsApplied(),
        lag,
        rate,
        rate == null ? null : eta(lag, rate),
        row.error(),
        row.failedAt(),
        row.rebuildRequested(),
        row.catchUpStartedAt(),
        row.readyAt(),
        row.leaseOwner(),
        row.leaseUntil());
  }

  private static @Nullable Long eta(long lag, double rate) {
    if (lag < 0 || rate <= 0) {
      return lag == 0 ? 0L : null;
    }
    return Math.round(lag / rate);
  }
}
