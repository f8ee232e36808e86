package io.millrace.jobs;

import io.millrace.internal.sql.Instants;
import io.millrace.internal.sql.SqlFile;
import io.millrace.schema.SchemaName;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The worker side of the lifecycle in SQL: claim, complete, retry, finish, snooze, release and
 * heartbeat. Every write after a claim is fenced by (id, attempt, state = 'running'): an attempt
 * that lost its lease writes nothing, and the methods report that by returning false or leaving the
 * id out of their result.
 *
 * <p>Each call is one statement on an auto-commit connection: one round trip per batch.
 */
final class JobStore {
  /** The outcome of one attempt on its way to a batched completion. */
  /**
   * A handler's result to write; {@code traceparent} is the W3C traceparent of the attempt's span,
   * kept in history (null when no span was recorded).
   */
  record Completion(
      long id, int attempt, @Nullable String resultJson, @Nullable String traceparent) {
    Completion(long id, int attempt, @Nullable String resultJson) {
      this(id, attempt, resultJson, null);
    }
  }

  private final DataSource dataSource;
  private final SqlFile sql;

  JobStore(DataSource dataSource, SchemaName schema) {
    this.dataSource = dataSource;
    this.sql = SqlFile.load(JobStore.class, "jobs.sql", schema);
  }

  List<ClaimedJob> claim(String queue, int limit, String nodeId, Duration lease)
      throws SQLException {
    return claim(queue, limit, nodeId, lease, null).jobs();
  }

  /**
   * What one claim took, and the database's {@code now()} when it did (null if it took nothing).
   */
  record Claim(List<ClaimedJob> jobs, @Nullable Instant claimedAt) {}

  /**
   * Claims up to {@code limit} due jobs of {@code queue}: from the head of the claim index when
   * {@code cursor} is null, else from where the cursor says claimable jobs start ({@link
   * ClaimCursor}).
   */
  Claim claim(String queue, int limit, String nodeId, Duration lease, @Nullable ClaimCursor cursor)
      throws SQLException {
    String statement =
        cursor == null
            ? "claim"
            : cursor instanceof ClaimCursor.Due ? "claim_due_from" : "claim_priority_from";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get(statement))) {
      int i = 1;
      ps.setString(i++, nodeId);
      ps.setLong(i++, lease.toMillis());
      ps.setString(i++, queue);
      if (cursor instanceof ClaimCursor.Priority p) {
        ps.setInt(i++, p.priority());
        Instants.set(ps, i++, p.from());
      } else if (cursor instanceof ClaimCursor.Due d) {
        Instants.set(ps, i++, d.from());
      }
      ps.setString(i++, queue);
      ps.setInt(i, limit);
      List<ClaimedJob> claimed = new ArrayList<>(limit);
      Instant claimedAt = null;
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Array tags = rs.getArray(8);
          claimed.add(
              new ClaimedJob(
                  rs.getLong(1),
                  rs.getInt(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getInt(6),
                  rs.getInt(7),
                  List.of((String[]) tags.getArray()),
                  rs.getObject(9, Long.class),
                  Instants.require(rs, 10),
                  Instants.require(rs, 11),
                  rs.getString(13),
                  rs.getString(14),
                  rs.getBoolean(15)));
          claimedAt = Instants.get(rs, 12);
        }
      }
      return new Claim(claimed, claimedAt);
    }
  }

  /**
   * The traceparents of the spans that completed a workflow step's parents (those recorded with
   * one), for the step's attempt span to link to.
   */
  List<String> parentAttemptSpans(long childId) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("parent_attempt_spans"))) {
      ps.setLong(1, childId);
      List<String> spans = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          spans.add(rs.getString(1));
        }
      }
      return spans;
    }
  }

  /**
   * What a claim from a limited queue did. {@code limited} is false when the queue turned out to
   * have no limit (nothing was claimed; claim as for any queue). {@code heldBack} is true when the
   * limits allowed fewer jobs than were asked for; {@code rateWait} then says how long until the
   * rate limit allows more (null when only the concurrency limit held the claim back). {@code
   * concurrencyLimited}: the queue has a concurrency limit, so a slot frees when a job's completion
   * is written.
   */
  record LimitedClaim(
      boolean limited,
      List<ClaimedJob> jobs,
      @Nullable Instant claimedAt,
      boolean heldBack,
      @Nullable Duration rateWait,
      boolean concurrencyLimited) {}

  /**
   * Claims up to {@code want} due jobs of a queue that has limits (flow control): in one
   * transaction, locks the queue's row, then claims within its limits ({@code claim_limited} in
   * jobs.sql says why that is exact across nodes).
   */
  LimitedClaim claimLimited(String queue, int want, String nodeId, Duration lease)
      throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        LimitedClaim result = claimLimited(c, queue, want, nodeId, lease);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    }
  }

  private LimitedClaim claimLimited(
      Connection c, String queue, int want, String nodeId, Duration lease) throws SQLException {
    try (PreparedStatement lock = c.prepareStatement(sql.get("lock_limits"))) {
      lock.setString(1, queue);
      try (ResultSet rs = lock.executeQuery()) {
        if (!rs.next()) {
          return new LimitedClaim(false, List.of(), null, false, null, false);
        }
      }
    }
    try (PreparedStatement ps = c.prepareStatement(sql.get("claim_limited"))) {
      ps.setString(1, queue);
      ps.setInt(2, want);
      ps.setString(3, queue);
      ps.setInt(4, want);
      ps.setString(5, nodeId);
      ps.setLong(6, lease.toMillis());
      ps.setString(7, queue);
      ps.setString(8, queue);
      List<ClaimedJob> claimed = new ArrayList<>(want);
      Instant claimedAt = null;
      int allowed = want;
      Long rateWaitMs = null;
      boolean concurrencyLimited = false;
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          claimedAt = Instants.get(rs, 12);
          allowed = rs.getInt(13);
          rateWaitMs = rs.getObject(14, Long.class);
          concurrencyLimited = rs.getBoolean(15);
          if (rs.getObject(1) == null) {
            continue; // the row of nulls: nothing claimed
          }
          Array tags = rs.getArray(8);
          claimed.add(
              new ClaimedJob(
                  rs.getLong(1),
                  rs.getInt(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getInt(6),
                  rs.getInt(7),
                  List.of((String[]) tags.getArray()),
                  rs.getObject(9, Long.class),
                  Instants.require(rs, 10),
                  Instants.require(rs, 11),
                  rs.getString(16),
                  rs.getString(17),
                  rs.getBoolean(18)));
        }
      }
      return new LimitedClaim(
          true,
          claimed,
          claimed.isEmpty() ? null : claimedAt,
          allowed < want,
          rateWaitMs == null ? null : Duration.ofMillis(Math.max(1, rateWaitMs)),
          concurrencyLimited);
    }
  }

  /** Whether a queue has a limit now (its claims then go through {@link #claimLimited}). */
  boolean limited(String queue) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("is_limited"))) {
      ps.setString(1, queue);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  /** Completes a batch; returns the ids that were still held (the rest lost their lease). */
  Set<Long> complete(List<Completion> batch) throws SQLException {
    Long[] ids = new Long[batch.size()];
    Integer[] attempts = new Integer[batch.size()];
    @Nullable String[] results = new @Nullable String[batch.size()];
    @Nullable String[] spans = new @Nullable String[batch.size()];
    for (int i = 0; i < batch.size(); i++) {
      ids[i] = batch.get(i).id();
      attempts[i] = batch.get(i).attempt();
      results[i] = batch.get(i).resultJson();
      spans[i] = batch.get(i).traceparent();
    }
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("complete_batch"))) {
      ps.setArray(1, c.createArrayOf("int8", ids));
      ps.setArray(2, c.createArrayOf("int4", attempts));
      ps.setArray(3, c.createArrayOf("text", results));
      ps.setArray(4, c.createArrayOf("text", spans));
      return idSet(ps);
    }
  }

  boolean retryLater(long id, int attempt, Duration delay, String errorJson) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("retry_later"))) {
      ps.setLong(1, delay.toMillis());
      ps.setString(2, errorJson);
      ps.setLong(3, id);
      ps.setInt(4, attempt);
      return ps.executeUpdate() == 1;
    }
  }

  boolean finishWithError(long id, int attempt, JobState state, String errorJson)
      throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("finish_with_error"))) {
      ps.setLong(1, id);
      ps.setInt(2, attempt);
      ps.setString(3, state.dbValue());
      ps.setString(4, errorJson);
      return !idSet(ps).isEmpty();
    }
  }

  boolean snooze(long id, int attempt, Duration delay) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("snooze"))) {
      ps.setLong(1, delay.toMillis());
      ps.setLong(2, id);
      ps.setInt(3, attempt);
      return ps.executeUpdate() == 1;
    }
  }

  int release(Collection<ClaimedJob> attempts) throws SQLException {
    if (attempts.isEmpty()) {
      return 0;
    }
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("release"))) {
      ps.setArray(1, c.createArrayOf("int8", attempts.stream().map(ClaimedJob::id).toArray()));
      ps.setArray(2, c.createArrayOf("int4", attempts.stream().map(ClaimedJob::attempt).toArray()));
      return ps.executeUpdate();
    }
  }

  /** The answer to a heartbeat: which attempts are still held, and which were asked to cancel. */
  record LeaseStatus(Set<Long> held, Set<Long> cancelRequested) {}

  LeaseStatus extendLeases(Collection<ClaimedJob> attempts, Duration lease) throws SQLException {
    Set<Long> held = new HashSet<>();
    Set<Long> cancel = new HashSet<>();
    if (attempts.isEmpty()) {
      return new LeaseStatus(held, cancel);
    }
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("extend_leases"))) {
      ps.setArray(1, c.createArrayOf("int8", attempts.stream().map(ClaimedJob::id).toArray()));
      ps.setArray(2, c.createArrayOf("int4", attempts.stream().map(ClaimedJob::attempt).toArray()));
      ps.setLong(3, lease.toMillis());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          held.add(rs.getLong(1));
          if (rs.getBoolean(2)) {
            cancel.add(rs.getLong(1));
          }
        }
      }
    }
    return new LeaseStatus(held, cancel);
  }

  private static Set<Long> idSet(PreparedStatement ps) throws SQLException {
    Set<Long> ids = new HashSet<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        ids.add(rs.getLong(1));
      }
    }
    return ids;
  }
}
