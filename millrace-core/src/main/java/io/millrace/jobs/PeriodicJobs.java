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

  /**
   * @param maxAttempts the max attempts a template's jobs are stored with (its own, or its kind's
   *     policy's), decided when the schedule is registered
   * @param codec writes the args of templates given as objects (at registration, once)
   */
  PeriodicJobs(
      DataSource dataSource,
      SchemaName schema,
      Duration misfireThreshold,
      java.util.function.ToIntFunction<JobRequest> maxAttempts,
      JsonCodec codec) {
    this.dataSource = dataSource;
    this.sql = SqlFile.load(PeriodicJobs.class, "schedules.sql", schema);
    // Fired jobs carry the max attempts stored with the schedule.
    this.enqueuer =
        new Enqueuer(
            dataSource, schema, Integer.MAX_VALUE, kind -> true, JobRequest::maxAttempts, codec);
    this.maxAttempts = maxAttempts;
    this.misfireThreshold = misfireThreshold;
    this.codec = codec;
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
          ps.executeUpdate();
        }
      }
    } catch (SQLException e) {
      throw new MillraceException("could not register periodic jobs", e);
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
                    Instants.require(rs, 10)));
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
      Instant now) {}

  private int fire(Connection c, Due row) throws SQLException {
    String name = row.name();
    // Parsed per schedule, so one bad row cannot stop the others from firing.
    Schedule schedule = Schedule.parse(row.spec());
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
            try (Scope root = Context.root().makeCurrent()) {
              enqueuer.enqueue(tx, jobs);
            }
          }
          return toFire.size();
        });
  }
}
