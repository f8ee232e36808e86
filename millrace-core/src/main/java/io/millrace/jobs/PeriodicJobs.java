package io.millrace.jobs;

import io.millrace.base.JsonCodec;
import io.millrace.base.MillraceException;
import io.millrace.internal.sql.Instants;
import io.millrace.internal.sql.SqlFile;
import io.millrace.internal.sql.Transactions;
import io.millrace.schema.SchemaName;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers periodic jobs and, on the leader, fires their due ticks.
 *
 * <p>Exactly once per tick: a tick's jobs are inserted in the same transaction that advances the
 * schedule's {@code next_fire_at} by compare-and-swap, so whichever of two leaders commits first
 * fires it and the other's update matches nothing and rolls back. A crash before commit fires
 * nothing and the next leader sees the tick still due.
 *
 * <p>Paused schedules never fire, and the compare-and-swap re-checks the pause under the row lock,
 * so a pause committed before a tick's advance stops that tick. Orphaned schedules (no node has
 * refreshed a registration of them within the orphan bound) fire only when an operator set {@code
 * fire_orphaned}. Registration writes the definition and this node's registration row, never the
 * operator's state.
 *
 * <p>Termination: each {@link #fireDue} handles the schedules due at its start once; every
 * successful advance moves {@code next_fire_at} past the database's now.
 */
final class PeriodicJobs {
  private static final Logger log = LoggerFactory.getLogger(PeriodicJobs.class);
  private static final int MAX_FIRE_ALL = 1_000;

  private final DataSource dataSource;
  private final SqlFile sql;
  private final Enqueuer enqueuer;
  private final Duration misfireThreshold;
  private final java.util.function.ToIntFunction<JobRequest> maxAttempts;
  private final JsonCodec codec;
  private final String nodeId;
  private final Duration orphanAfter;

  /**
   * @param maxAttempts the max attempts a template's jobs are stored with (its own, or its kind's
   *     policy's), decided when the schedule is registered
   * @param codec writes the args of templates given as objects (at registration, once)
   * @param nodeId the node whose registrations this writes
   * @param orphanAfter how fresh a registration must be for its schedule to fire
   */
  PeriodicJobs(
      DataSource dataSource,
      SchemaName schema,
      Duration misfireThreshold,
      java.util.function.ToIntFunction<JobRequest> maxAttempts,
      JsonCodec codec,
      String nodeId,
      Duration orphanAfter) {
    this.dataSource = dataSource;
    this.sql = SqlFile.load(PeriodicJobs.class, "schedules.sql", schema);
    // Fired jobs carry the max attempts stored with the schedule.
    this.enqueuer =
        new Enqueuer(
            dataSource, schema, Integer.MAX_VALUE, kind -> true, JobRequest::maxAttempts, codec);
    this.maxAttempts = maxAttempts;
    this.misfireThreshold = misfireThreshold;
    this.codec = codec;
    this.nodeId = nodeId;
    this.orphanAfter = orphanAfter;
  }

  void register(List<PeriodicJob> jobs) {
    try (Connection c = dataSource.getConnection()) {
      for (PeriodicJob job : jobs) {
        JobRequest t = job.template();
        try (PreparedStatement ps = c.prepareStatement(sql.get("upsert_schedule"))) {
          ps.setString(1, job.name());
          ps.setString(2, job.schedule().spec());
          ps.setString(3, t.kind());
          ps.setString(4, t.queue());
          ps.setString(5, t.argsJson(codec));
          ps.setInt(6, t.priority());
          ps.setInt(7, maxAttempts.applyAsInt(t));
          ps.setString(8, job.misfire().name().toLowerCase(java.util.Locale.ROOT));
          Instants.set(ps, 9, job.schedule().next(Instant.now()));
          ps.setString(10, zoneName(job.schedule().zone()));
          ps.executeUpdate();
        }
      }
      refresh(c, jobs.stream().map(PeriodicJob::name).toList());
    } catch (SQLException e) {
      throw new MillraceException("could not register periodic jobs", e);
    }
  }

  /**
   * The stored name of a zone: {@code UTC} for UTC however it was given, as rows written before
   * zones existed say, so upgrading never moves their next tick.
   */
  static String zoneName(java.time.ZoneId zone) {
    return zone.normalized().equals(java.time.ZoneOffset.UTC) ? "UTC" : zone.getId();
  }

  /** Refreshes this node's registration of {@code names} (those that still exist). */
  void refresh(List<String> names) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      refresh(c, names);
    }
  }

  private void refresh(Connection c, List<String> names) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("refresh_registrations"))) {
      ps.setString(1, nodeId);
      ps.setArray(2, c.createArrayOf("text", names.toArray()));
      ps.executeUpdate();
    }
  }

  /** Removes this node's registrations (it is stopping). */
  void deregister() throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("drop_registrations"))) {
      ps.setString(1, nodeId);
      ps.executeUpdate();
    }
  }

  /** Forgets registrations far past the orphan bound (nodes that died without deregistering). */
  void pruneRegistrations() throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("prune_registrations"))) {
      ps.setLong(1, orphanAfter.multipliedBy(100).toMillis());
      ps.executeUpdate();
    }
  }

  /** Fires every due tick; returns the number of jobs enqueued. */
  int fireDue() throws SQLException {
    return fireDue(null);
  }

  /**
   * Fires every tick due as of {@code asOf} (the database's clock when null), by the same rules and
   * the same compare-and-swap as the leader's firing; returns the number of jobs enqueued.
   */
  int fireDue(@Nullable Instant asOf) throws SQLException {
    int fired = 0;
    try (Connection c = dataSource.getConnection()) {
      List<Due> due = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(sql.get("due_schedules"))) {
        if (asOf == null) {
          ps.setNull(1, java.sql.Types.TIMESTAMP_WITH_TIMEZONE);
        } else {
          Instants.set(ps, 1, asOf);
        }
        ps.setLong(2, orphanAfter.toMillis());
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            due.add(
                new Due(
                    rs.getString(1),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getString(4),
                    rs.getString(5),
                    rs.getInt(6),
                    rs.getInt(7),
                    rs.getString(8),
                    Instants.require(rs, 9),
                    Instants.require(rs, 10),
                    rs.getString(11)));
          }
        }
      }
      for (Due row : due) {
        try {
          fired += fire(c, row);
        } catch (RuntimeException e) {
          log.error("periodic job {} could not fire: {}", row.name(), e.getMessage(), e);
        }
      }
    }
    return fired;
  }

  /** A schedule with a tick due, as read with the database's clock ({@code now}). */
  private record Due(
      String name,
      String spec,
      String kind,
      String queue,
      String argsJson,
      int priority,
      int maxAttempts,
      String policy,
      Instant expected,
      Instant now,
      String zone) {}

  private int fire(Connection c, Due row) throws SQLException {
    String name = row.name();
    // Parsed per schedule, so one bad row cannot stop the others from firing.
    Schedule schedule = Schedule.parse(row.spec(), row.zone());
    Instant expected = row.expected();
    Instant now = row.now();
    MisfirePolicy policy = MisfirePolicy.valueOf(row.policy().toUpperCase(java.util.Locale.ROOT));

    List<Instant> ticks = new ArrayList<>();
    Instant tick = expected;
    while (!tick.isAfter(now) && ticks.size() <= MAX_FIRE_ALL) {
      ticks.add(tick);
      tick = schedule.next(tick);
    }
    Instant next = tick.isAfter(now) ? tick : schedule.next(now);
    Instant onTimeFrom = now.minus(misfireThreshold);
    List<Instant> onTime = ticks.stream().filter(t -> !t.isBefore(onTimeFrom)).toList();
    List<Instant> missed = ticks.stream().filter(t -> t.isBefore(onTimeFrom)).toList();
    List<Instant> toFire = new ArrayList<>();
    switch (policy) {
      case FIRE_ALL -> toFire.addAll(ticks.subList(0, Math.min(ticks.size(), MAX_FIRE_ALL)));
      case FIRE_ONCE -> {
        if (!missed.isEmpty()) {
          toFire.add(missed.get(missed.size() - 1));
        }
        toFire.addAll(onTime);
      }
      case SKIP -> toFire.addAll(onTime);
    }
    if (!missed.isEmpty()) {
      log.warn(
          "periodic job {} missed {} ticks (policy {}); firing {}",
          name,
          missed.size(),
          policy,
          toFire.size());
    }

    return Transactions.inTransaction(
        c,
        tx -> {
          try (PreparedStatement ps = tx.prepareStatement(sql.get("advance_schedule"))) {
            Instants.set(ps, 1, next);
            ps.setString(2, name);
            Instants.set(ps, 3, expected);
            if (ps.executeUpdate() == 0) {
              return 0; // another leader fired this tick first; nothing was written
            }
          }
          if (!toFire.isEmpty()) {
            List<JobRequest> jobs = new ArrayList<>();
            for (Instant t : toFire) {
              jobs.add(
                  JobRequest.ofJson(row.kind(), row.argsJson())
                      .queue(row.queue())
                      .priority(row.priority())
                      .maxAttempts(row.maxAttempts())
                      .tags("periodic:" + name, "tick:" + t));
            }
            // A tick has no producer: enqueued under the root context, it stores no trace context
            // even when fired from traced code (Millrace.firePeriodicJobs in a test, say), and its
            // attempts start traces of their own with no link.
            List<EnqueueResult> ids;
            try (Scope root = Context.root().makeCurrent()) {
              ids = enqueuer.enqueue(tx, jobs);
            }
            try (PreparedStatement ps = tx.prepareStatement(sql.get("record_last_job"))) {
              ps.setLong(1, ids.get(ids.size() - 1).id());
              ps.setString(2, name);
              ps.executeUpdate();
            }
          }
          return toFire.size();
        });
  }
}
