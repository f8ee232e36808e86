package io.millrace.jobs;

import io.millrace.base.JsonCodec;
import io.millrace.base.MillraceException;
import io.millrace.internal.sql.Instants;
import io.millrace.internal.sql.SqlFile;
import io.millrace.internal.sql.Transactions;
import io.millrace.schema.SchemaName;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * What operators do with periodic jobs, from any node or the CLI (no definition needed: everything
 * is read from and written to the schedules table): list and show them, pause, resume, trigger one
 * run now, and delete.
 *
 * <p>Exactly once per tick still holds for every action: each takes the schedule's row lock, which
 * the leader's compare-and-swap on the next fire time also takes. A pause committed before a tick's
 * advance stops that tick; a trigger enqueues its one job in the transaction that counts it, beside
 * the tick's own job and never instead of it; a deleted schedule's pending tick matches no row.
 *
 * <p>Operator state (paused, fires-when-orphaned) lives only in the table and no node's
 * registration writes it, so it survives restarts and redeploys.
 */
public final class Schedules {
  /** The job a trigger enqueued: its id, and the trigger's number (its tag {@code trigger:<n>}). */
  public record Triggered(String name, long jobId, long trigger) {}

  private static final int NEXT_FIRE_TIMES = 5;

  private final DataSource dataSource;
  private final SqlFile sql;
  private final Enqueuer enqueuer;
  private final JobAdmin admin;
  private final Duration orphanAfter;

  Schedules(
      DataSource dataSource,
      SchemaName schema,
      JsonCodec codec,
      JobAdmin admin,
      Duration orphanAfter) {
    this.dataSource = dataSource;
    this.sql = SqlFile.load(Schedules.class, "schedules.sql", schema);
    // A trigger's job carries the max attempts stored with the schedule, like a tick's.
    this.enqueuer =
        new Enqueuer(
            dataSource, schema, Integer.MAX_VALUE, kind -> true, JobRequest::maxAttempts, codec);
    this.admin = admin;
    this.orphanAfter = orphanAfter;
  }

  /** Every schedule, by name. */
  public List<ScheduleStatus> list() {
    try {
      return read(null);
    } catch (SQLException e) {
      throw new MillraceException("could not list schedules: " + e.getMessage(), e);
    }
  }

  public Optional<ScheduleStatus> get(String name) {
    JobRequest.requireName("name", name);
    try {
      return read(name).stream().findFirst();
    } catch (SQLException e) {
      throw new MillraceException("could not read schedule " + name + ": " + e.getMessage(), e);
    }
  }

  /**
   * Stops firing until resumed: a tick whose advance has not committed yet fires nothing. Empty
   * when no such schedule exists.
   */
  public Optional<ScheduleStatus> pause(String name) {
    JobRequest.requireName("name", name);
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("pause_schedule"))) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
      }
    } catch (SQLException e) {
      throw new MillraceException("could not pause schedule " + name + ": " + e.getMessage(), e);
    }
    return get(name);
  }

  /**
   * Fires again from the next tick after now (ticks that fell due while it was paused or orphaned
   * are skipped, not caught up). Resuming a schedule that is orphaned at that moment is the
   * operator's word that it fires anyway; resuming one a live node registers clears that word.
   * Empty when no such schedule exists.
   */
  public Optional<ScheduleStatus> resume(String name) {
    JobRequest.requireName("name", name);
    try {
      boolean found =
          Transactions.inTransaction(
              dataSource,
              c -> {
                Locked row = lock(c, name);
                if (row == null) {
                  return false;
                }
                Instant next =
                    row.nextFireAt().isAfter(row.now())
                        ? row.nextFireAt()
                        : Schedule.parse(row.spec(), row.zone()).next(row.now());
                boolean orphaned;
                try (PreparedStatement ps = c.prepareStatement(sql.get("live_registrations"))) {
                  ps.setString(1, name);
                  ps.setLong(2, orphanAfter.toMillis());
                  try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    orphaned = rs.getLong(1) == 0;
                  }
                }
                try (PreparedStatement ps = c.prepareStatement(sql.get("resume_schedule"))) {
                  Instants.set(ps, 1, next);
                  ps.setBoolean(2, orphaned);
                  ps.setString(3, name);
                  ps.executeUpdate();
                }
                return true;
              });
      return found ? get(name) : Optional.empty();
    } catch (SQLException e) {
      throw new MillraceException("could not resume schedule " + name + ": " + e.getMessage(), e);
    }
  }

  /**
   * Enqueues one job from the schedule's template now, paused or orphaned or not, tagged {@code
   * periodic:<name>} and {@code trigger:<n>}; the schedule's own ticks are unchanged. Exactly one
   * job per call: it is inserted in the transaction that counts the trigger, holding the row lock a
   * tick's compare-and-swap takes. Empty when no such schedule exists.
   */
  public Optional<Triggered> triggerNow(String name) {
    JobRequest.requireName("name", name);
    try {
      return Transactions.inTransaction(
          dataSource,
          c -> {
            Locked row = lock(c, name);
            if (row == null) {
              return Optional.<Triggered>empty();
            }
            long trigger = row.triggers() + 1;
            JobRequest job =
                JobRequest.ofJson(row.kind(), row.argsJson())
                    .queue(row.queue())
                    .priority(row.priority())
                    .maxAttempts(row.maxAttempts())
                    .tags("periodic:" + name, "trigger:" + trigger);
            long id = enqueuer.enqueue(c, List.of(job)).get(0).id();
            try (PreparedStatement ps = c.prepareStatement(sql.get("record_trigger"))) {
              ps.setLong(1, id);
              ps.setString(2, name);
              ps.executeUpdate();
            }
            return Optional.of(new Triggered(name, id, trigger));
          });
    } catch (SQLException e) {
      throw new MillraceException("could not trigger schedule " + name + ": " + e.getMessage(), e);
    }
  }

  /**
   * Removes the schedule and its registrations; true if it existed. Its jobs already enqueued stay.
   * A node still running with the periodic job does not bring it back; a node starting with it
   * does.
   */
  public boolean delete(String name) {
    JobRequest.requireName("name", name);
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("delete_schedule"))) {
      ps.setString(1, name);
      return ps.executeUpdate() > 0;
    } catch (SQLException e) {
      throw new MillraceException("could not delete schedule " + name + ": " + e.getMessage(), e);
    }
  }

  private record Locked(
      String spec,
      String zone,
      Instant nextFireAt,
      String kind,
      String queue,
      String argsJson,
      int priority,
      int maxAttempts,
      long triggers,
      Instant now) {}

  private @Nullable Locked lock(Connection c, String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("lock_schedule"))) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        return new Locked(
            rs.getString(1),
            rs.getString(2),
            Instants.require(rs, 3),
            rs.getString(5),
            rs.getString(6),
            rs.getString(7),
            rs.getInt(8),
            rs.getInt(9),
            rs.getLong(10),
            Instants.require(rs, 11));
      }
    }
  }

  private List<ScheduleStatus> read(@Nullable String name) throws SQLException {
    List<ScheduleStatus> out = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("list_schedules"))) {
      ps.setLong(1, orphanAfter.toMillis());
      ps.setString(2, name);
      ps.setString(3, name);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(status(rs));
        }
      }
    }
    return out;
  }

  private ScheduleStatus status(ResultSet rs) throws SQLException {
    String name = rs.getString("name");
    String spec = rs.getString("spec");
    String zone = rs.getString("time_zone");
    Instant nextFireAt = Instants.require(rs, "next_fire_at");
    long lastJob = rs.getLong("last_job_id");
    @Nullable Long lastJobId = rs.wasNull() ? null : lastJob;
    boolean paused = rs.getBoolean("paused");
    boolean fireOrphaned = rs.getBoolean("fire_orphaned");
    List<String> live = new ArrayList<>();
    Array nodes = rs.getArray("live_nodes");
    for (Object n : (Object[]) nodes.getArray()) {
      live.add((String) n);
    }
    boolean orphaned = live.isEmpty();
    List<Instant> next = new ArrayList<>();
    next.add(nextFireAt);
    try {
      Schedule schedule = Schedule.parse(spec, zone);
      while (next.size() < NEXT_FIRE_TIMES) {
        next.add(schedule.next(next.get(next.size() - 1)));
      }
    } catch (RuntimeException unreadable) {
      // A row this build cannot evaluate still shows; the leader logs why it cannot fire it.
    }
    @Nullable JobState outcome =
        lastJobId == null ? null : admin.get(lastJobId).map(Job::state).orElse(null);
    return new ScheduleStatus(
        name,
        spec,
        zone,
        rs.getString("kind"),
        rs.getString("queue"),
        MisfirePolicy.valueOf(rs.getString("misfire_policy").toUpperCase(Locale.ROOT)),
        paused,
        orphaned,
        fireOrphaned,
        !paused && (!orphaned || fireOrphaned),
        live,
        Instants.get(rs, "last_registered_at"),
        next,
        Instants.get(rs, "last_fired_at"),
        lastJobId,
        outcome,
        rs.getLong("trigger_count"));
  }
}
