package io.millrace.jobs;

import com.fasterxml.jackson.core.type.TypeReference;
import io.millrace.base.Json;
import io.millrace.base.MillraceException;
import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import io.millrace.internal.sql.Instants;
import io.millrace.internal.sql.SqlFile;
import io.millrace.internal.sql.Transactions;
import io.millrace.schema.SchemaName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * What operators do with jobs and queues: look up, list, cancel, retry, pause and resume. Used by
 * the admin API, the CLI and the dashboard alike, so each action behaves the same everywhere.
 */
public final class JobAdmin {
  public static final int MAX_PAGE = 500;

  /**
   * Filters for {@link #list} and the bulk actions; null fields match everything. {@code beforeId}
   * pages by id (exclusive); {@code createdFrom} (inclusive) and {@code createdTo} (exclusive)
   * bound the creation time.
   */
  public record Filter(
      @Nullable String queue,
      @Nullable JobState state,
      @Nullable String kind,
      @Nullable String tag,
      @Nullable Instant createdFrom,
      @Nullable Instant createdTo,
      @Nullable Long beforeId,
      int limit) {
    public Filter(
        @Nullable String queue,
        @Nullable JobState state,
        @Nullable String kind,
        @Nullable String tag,
        @Nullable Long beforeId,
        int limit) {
      this(queue, state, kind, tag, null, null, beforeId, limit);
    }

    public Filter {
      if (queue != null) {
        JobRequest.requireName("queue", queue);
      }
      if (kind != null) {
        JobRequest.requireName("kind", kind);
      }
      if (tag != null) {
        JobRequest.requireName("tag", tag);
      }
      Storable.instant("createdFrom", createdFrom);
      Storable.instant("createdTo", createdTo);
      if (createdFrom != null && createdTo != null && !createdFrom.isBefore(createdTo)) {
        throw new ValidationException(
            "createdTo", "must be after createdFrom (" + createdFrom + "), got " + createdTo);
      }
      if (limit < 1 || limit > MAX_PAGE) {
        throw new ValidationException(
            "limit", "must be between 1 and " + MAX_PAGE + ", got " + limit);
      }
    }
  }

  /** What a cancel did. */
  public enum CancelResult {
    /** The job was waiting and is now cancelled. */
    CANCELLED,
    /** The job is running; its node was asked to stop it and will record the outcome. */
    CANCEL_REQUESTED,
    /** The job had already finished; nothing changed. */
    ALREADY_FINISHED,
    NOT_FOUND
  }

  /** What a retry did. */
  public enum RetryResult {
    /** The job is due now. */
    RETRYING,
    /** The job is running already; nothing changed. */
    RUNNING,
    NOT_FOUND
  }

  /** What a discard did. */
  public enum DiscardResult {
    /** The job was waiting; it is now failed for good, without running again. */
    DISCARDED,
    /** The job is running; nothing changed (cancel it instead). */
    RUNNING,
    /** The job had already finished; nothing changed. */
    ALREADY_FINISHED,
    NOT_FOUND
  }

  private final DataSource dataSource;
  private final SchemaName schema;
  private final SqlFile sql;
  private final JobSearch search;

  public JobAdmin(DataSource dataSource, SchemaName schema) {
    this.dataSource = dataSource;
    this.schema = schema;
    this.sql = SqlFile.load(JobAdmin.class, "admin.sql", schema);
    this.search = new JobSearch(schema);
  }

  public Optional<Job> get(long id) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("get_job"))) {
      ps.setLong(1, id);
      ps.setLong(2, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(read(rs)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new MillraceException("could not read job " + id, e);
    }
  }

  /**
   * Newest first (by id, across unfinished and finished jobs), so the last id of a full page is the
   * {@code beforeId} of the next one. Both tables are read with the full limit and merged: taking
   * unfinished jobs first would skip finished jobs newer than the page's last id.
   */
  public List<Job> list(Filter filter) {
    List<Job> jobs = new ArrayList<>();
    try (Connection c = dataSource.getConnection()) {
      if (filter.state() == null || !filter.state().terminal()) {
        jobs.addAll(
            search.run(c, filter, false, false, filter.beforeId(), filter.limit(), JobAdmin::read));
      }
      if (filter.state() == null || filter.state().terminal()) {
        jobs.addAll(
            search.run(c, filter, true, false, filter.beforeId(), filter.limit(), JobAdmin::read));
      }
      jobs.sort(java.util.Comparator.comparingLong(Job::id).reversed());
      return jobs.size() > filter.limit() ? List.copyOf(jobs.subList(0, filter.limit())) : jobs;
    } catch (SQLException e) {
      throw new MillraceException("could not list jobs", e);
    }
  }

  /**
   * Applies {@code action} to every job that matches {@code filter} (its {@code beforeId} is where
   * to start, its {@code limit} is ignored), newest first, at most {@code max} jobs. Each job is
   * acted on in a transaction of its own, exactly as the single-job action would; see {@link
   * BulkActions} for why a bulk action ends and never acts on a job twice.
   */
  public BulkActions.Result bulk(BulkActions.Action action, Filter filter, int max) {
    return new BulkActions(this, dataSource, search).run(action, filter, max);
  }

  public CancelResult cancel(long id) {
    try {
      return Transactions.inTransaction(dataSource, c -> cancel(c, id));
    } catch (SQLException e) {
      throw new MillraceException("could not cancel job " + id, e);
    }
  }

  private CancelResult cancel(Connection c, long id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("cancel_waiting"))) {
      ps.setLong(1, id);
      ps.setString(2, "cancelled by an operator");
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          return CancelResult.CANCELLED;
        }
      }
    }
    try (PreparedStatement ps = c.prepareStatement(sql.get("request_cancel_running"))) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          try (PreparedStatement notify = c.prepareStatement(sql.get("notify"))) {
            notify.setString(1, schema.cancelChannel());
            notify.setString(2, Long.toString(id));
            notify.executeQuery().close();
          }
          return CancelResult.CANCEL_REQUESTED;
        }
      }
    }
    return get(c, id) ? CancelResult.ALREADY_FINISHED : CancelResult.NOT_FOUND;
  }

  /**
   * Runs a job again now: a waiting job skips its wait; a finished job (failed, cancelled or
   * completed) returns to the queue under the same id with one more attempt allowed.
   */
  public RetryResult retry(long id) {
    try {
      return Transactions.inTransaction(dataSource, c -> retry(c, id));
    } catch (SQLException e) {
      if ("23505".equals(e.getSQLState())) {
        throw new ValidationException(
            "id",
            "job " + id + " cannot be retried: its unique key is held by another unfinished job");
      }
      throw new MillraceException("could not retry job " + id, e);
    }
  }

  private RetryResult retry(Connection c, long id) throws SQLException {
    for (String statement : List.of("retry_waiting", "retry_finished")) {
      try (PreparedStatement ps = c.prepareStatement(sql.get(statement))) {
        ps.setLong(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            return RetryResult.RETRYING;
          }
        }
      }
    }
    if (!get(c, id)) {
      return RetryResult.NOT_FOUND;
    }
    if (get(id).map(j -> j.state() == JobState.PENDING).orElse(false)) {
      throw new ValidationException(
          "id", "job " + id + " waits for its workflow's parents and runs once they let it");
    }
    return RetryResult.RUNNING;
  }

  /**
   * Gives up on a waiting job: it moves to history as failed, with "discarded by an operator" as
   * its last error, and never runs again. Unlike cancel, a running job is left alone.
   */
  public DiscardResult discard(long id) {
    try {
      return Transactions.inTransaction(
          dataSource,
          c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.get("discard_waiting"))) {
              ps.setLong(1, id);
              try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                  return DiscardResult.DISCARDED;
                }
              }
            }
            try (PreparedStatement ps = c.prepareStatement(sql.get("get_job"))) {
              ps.setLong(1, id);
              ps.setLong(2, id);
              try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                  return DiscardResult.NOT_FOUND;
                }
                return JobState.fromDb(rs.getString("state")).terminal()
                    ? DiscardResult.ALREADY_FINISHED
                    : DiscardResult.RUNNING;
              }
            }
          });
    } catch (SQLException e) {
      throw new MillraceException("could not discard job " + id, e);
    }
  }

  /** A paused queue keeps accepting jobs, but no node claims from it until it is resumed. */
  public void setPaused(String queue, boolean paused) {
    JobRequest.requireName("queue", queue);
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("set_paused"))) {
      ps.setString(1, queue);
      ps.setBoolean(2, paused);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new MillraceException(
          "could not " + (paused ? "pause" : "resume") + " queue " + queue, e);
    }
  }

  /** The queues that are paused now. */
  public java.util.Set<String> pausedQueues() {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("paused_queues"));
        ResultSet rs = ps.executeQuery()) {
      java.util.Set<String> out = new java.util.TreeSet<>();
      while (rs.next()) {
        out.add(rs.getString(1));
      }
      return out;
    } catch (SQLException e) {
      throw new MillraceException("could not read paused queues", e);
    }
  }

  /**
   * Sets a queue's cluster-wide flow control ({@link QueueLimits}; {@link QueueLimits#NONE} clears
   * it). Every node's next claim from the queue obeys it; jobs already running are not stopped, so
   * lowering a limit below what runs now takes effect as those jobs finish.
   */
  public void setLimits(String queue, QueueLimits limits) {
    JobRequest.requireName("queue", queue);
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("set_limits"))) {
      ps.setString(1, queue);
      ps.setObject(2, limits.maxRunning(), java.sql.Types.INTEGER);
      ps.setObject(3, limits.rateLimit(), java.sql.Types.INTEGER);
      Duration period = limits.ratePeriod();
      ps.setObject(4, period == null ? null : period.toMillis(), java.sql.Types.BIGINT);
      ps.setString(5, schema.jobsChannel());
      ps.executeQuery().close();
    } catch (SQLException e) {
      throw new MillraceException("could not set the limits of queue " + queue, e);
    }
  }

  /** A queue's flow control now ({@link QueueLimits#NONE} when it has none). */
  public QueueLimits limits(String queue) {
    JobRequest.requireName("queue", queue);
    return queueLimits().getOrDefault(queue, QueueLimits.NONE);
  }

  /** Every queue that has a limit, by name. */
  public java.util.SortedMap<String, QueueLimits> queueLimits() {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("queue_limits"));
        ResultSet rs = ps.executeQuery()) {
      java.util.SortedMap<String, QueueLimits> out = new java.util.TreeMap<>();
      while (rs.next()) {
        Long periodMs = rs.getObject(4, Long.class);
        out.put(
            rs.getString(1),
            new QueueLimits(
                rs.getObject(2, Integer.class),
                rs.getObject(3, Integer.class),
                periodMs == null ? null : Duration.ofMillis(periodMs)));
      }
      return out;
    } catch (SQLException e) {
      throw new MillraceException("could not read queue limits", e);
    }
  }

  private boolean get(Connection c, long id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("get_job"))) {
      ps.setLong(1, id);
      ps.setLong(2, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  private static final TypeReference<List<JobError>> ERRORS = new TypeReference<>() {};

  static Job read(ResultSet rs) throws SQLException {
    try {
      return new Job(
          rs.getLong("id"),
          rs.getString("queue"),
          rs.getString("kind"),
          JobState.fromDb(rs.getString("state")),
          Json.tree(rs.getString("args")),
          rs.getInt("priority"),
          rs.getInt("attempt"),
          rs.getInt("max_attempts"),
          rs.getString("unique_key"),
          List.of((String[]) rs.getArray("tags").getArray()),
          Json.tree(rs.getString("result")),
          Json.MAPPER.readValue(rs.getString("errors"), ERRORS),
          Instants.require(rs, "created_at"),
          Instants.get(rs, "run_at"),
          Instants.get(rs, "attempted_at"),
          rs.getString("attempted_by"),
          Instants.get(rs, "finished_at"),
          Instants.get(rs, "cancel_requested_at"));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new MillraceException("stored errors of a job are not valid JSON", e);
    }
  }
}
