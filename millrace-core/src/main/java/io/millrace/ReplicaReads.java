package io.millrace;

import io.millrace.backfills.Backfills;
import io.millrace.base.ValidationException;
import io.millrace.cluster.Nodes;
import io.millrace.counts.Counts;
import io.millrace.counts.CountsReport;
import io.millrace.counts.QueueCounts;
import io.millrace.counts.QueueOverview;
import io.millrace.jobs.JobAdmin;
import io.millrace.jobs.QueueLimits;
import io.millrace.workflows.Workflows;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The operators' reads (job lists and pages, counts, workflows, backfills, nodes), served by a
 * streaming read replica when one is configured ({@link MillraceBuilder#readDataSource}) and close
 * enough, and by the primary otherwise. Each {@link Answer} says where it was read and how stale it
 * may be.
 *
 * <pre>{@code
 * ReplicaReads.Answer<List<Job>> page = millrace.reads().read(v -> v.jobs().list(filter));
 * page.freshness().header(); // "replica; lag-ms=12", or "primary; fallback=lag; lag-ms=7300"
 * }</pre>
 *
 * <p>The replica answers when it is a standby in recovery, answered the last lag measurement, and
 * lags at most {@link MillraceBuilder#maxReplicaLag} behind the primary; otherwise, and whenever a
 * read on it fails, the same read runs on the primary. Nothing that decides work ever reads here:
 * claims, rescue, leadership, the cascade, counts a limit depends on and every action (cancel,
 * retry, pause...) use the node's own data source. The {@link View} on the replica is for reading
 * only; an action called on it fails, as the replica is read-only.
 */
public final class ReplicaReads {
  /** Where an answer was read. */
  public enum Source {
    PRIMARY,
    REPLICA
  }

  /**
   * Where one answer was read and how stale it may be.
   *
   * @param lag the replica's measured lag behind the primary (an upper bound; zero when it had
   *     replayed everything the primary had written), or null when unknown; null on the primary
   *     unless the replica was passed over for lagging
   * @param fallback why the primary answered although a replica is configured: {@code lag} (beyond
   *     the bound), {@code unreachable}, {@code error} (a read on the replica failed), {@code
   *     not-standby}, {@code unmeasured}; null when the replica answered or none is configured
   * @param detail the same in a sentence, for logs and people
   */
  public record Freshness(
      Source source, @Nullable Duration lag, @Nullable String fallback, String detail) {
    static final Freshness NO_REPLICA = new Freshness(Source.PRIMARY, null, null, "no replica");

    /**
     * The value of the admin API's {@code Millrace-Read-Source} header: {@code primary}, {@code
     * replica; lag-ms=N} or {@code primary; fallback=REASON[; lag-ms=N]}.
     */
    public String header() {
      StringBuilder h = new StringBuilder(source == Source.REPLICA ? "replica" : "primary");
      if (fallback != null) {
        h.append("; fallback=").append(fallback);
      }
      if (lag != null) {
        h.append("; lag-ms=").append(lag.toMillis());
      }
      return h.toString();
    }
  }

  /** A read's value and where it came from. */
  public record Answer<T>(T value, Freshness freshness) {}

  /**
   * The read side of each capability, bound to one database (the replica's or the primary's). Reads
   * only: see {@link ReplicaReads}.
   */
  public record View(
      JobAdmin jobs, Counts counts, Workflows workflows, Backfills backfills, Nodes nodes) {
    /**
     * Every queue (with jobs, finished jobs or a pause) with its counts and pause flag, as {@link
     * Millrace#queues}.
     */
    public QueueOverview queues(boolean exact) {
      Set<String> paused = jobs.pausedQueues();
      Map<String, QueueLimits> limits = jobs.queueLimits();
      CountsReport report = exact ? counts.exact(List.of()) : counts.fast(List.of());
      Map<String, QueueCounts> byName = new TreeMap<>();
      report.queues().forEach(q -> byName.put(q.queue(), q));
      paused.forEach(name -> byName.computeIfAbsent(name, QueueCounts::empty));
      limits.keySet().forEach(name -> byName.computeIfAbsent(name, QueueCounts::empty));
      List<QueueOverview.Queue> queues =
          byName.values().stream()
              .map(
                  q ->
                      new QueueOverview.Queue(
                          q.queue(),
                          paused.contains(q.queue()),
                          q,
                          limits.getOrDefault(q.queue(), QueueLimits.NONE)))
              .toList();
      return new QueueOverview(queues, report.fromCounters(), report.exact());
    }
  }

  private final View primary;
  private final @Nullable View replica;
  private final @Nullable ReplicaLag lag;
  private final Duration maxLag;

  ReplicaReads(View primary, @Nullable View replica, @Nullable ReplicaLag lag, Duration maxLag) {
    this.primary = primary;
    this.replica = replica;
    this.lag = lag;
    this.maxLag = maxLag;
  }

  /** The reads on the primary. */
  View primary() {
    return primary;
  }

  /** Whether a read replica is configured. */
  public boolean hasReplica() {
    return replica != null;
  }

  /** Where a read would go now, and why (measuring the lag if the last measurement is old). */
  public Freshness route() {
    ReplicaLag l = lag;
    if (l == null) {
      return Freshness.NO_REPLICA;
    }
    ReplicaLag.Measurement m = l.current();
    Duration measured = m.lag();
    if (m.fallback() != null || measured == null) {
      return new Freshness(Source.PRIMARY, null, m.fallback(), m.detail());
    }
    if (measured.compareTo(maxLag) > 0) {
      return new Freshness(
          Source.PRIMARY,
          measured,
          "lag",
          "the replica lags " + measured.toMillis() + " ms, beyond the bound of " + maxLag);
    }
    return new Freshness(Source.REPLICA, measured, null, m.detail());
  }

  /**
   * Runs {@code query} on the replica when it may answer, else on the primary; a query that fails
   * on the replica (other than for bad input) runs again on the primary.
   */
  public <T> Answer<T> read(Function<View, T> query) {
    Freshness route = route();
    View r = replica;
    ReplicaLag l = lag;
    if (route.source() == Source.REPLICA && r != null && l != null) {
      try {
        return new Answer<>(query.apply(r), route);
      } catch (ValidationException e) {
        throw e;
      } catch (RuntimeException e) {
        l.failed(e);
        return new Answer<>(
            query.apply(primary),
            new Freshness(
                Source.PRIMARY, null, "error", "a read on the replica failed: " + e.getMessage()));
      }
    }
    return new Answer<>(query.apply(primary), route);
  }
}
