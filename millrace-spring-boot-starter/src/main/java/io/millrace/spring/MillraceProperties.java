package io.millrace.spring;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The {@code millrace.*} settings: one per {@link io.millrace.MillraceBuilder} setting. A setting
 * left unset keeps the builder's default (stated on each field), so the builder stays the one place
 * where defaults live; {@link MillraceFactory} applies what is set and names the property in any
 * error.
 */
@ConfigurationProperties("millrace")
public class MillraceProperties {
  /** Whether to run a Millrace node in this application. */
  private boolean enabled = true;

  /** Whether to apply Millrace's schema migrations when the node is created. */
  private boolean migrate = true;

  /** PostgreSQL schema for Millrace's tables; default millrace. */
  private @Nullable String schema;

  /** This node's id in the registry and on every claim; default host-pid-random. */
  private @Nullable String nodeId;

  /**
   * Queues this node works, by name, with their concurrency. A node with handlers but no queue
   * works 'default' with 10. Names with '.' or ':' go in brackets: millrace.queues[mail.bulk].
   */
  private Map<String, Queue> queues = new LinkedHashMap<>();

  /** Kinds this node may enqueue although no handler here runs them (another service does). */
  private List<String> externalKinds = new ArrayList<>();

  /** How long a claim is valid without a heartbeat; default 30s. */
  private @Nullable Duration lease;

  /** How often held leases are extended; default a third of the lease. */
  private @Nullable Duration heartbeat;

  /**
   * How long a newly elected leader waits before rescuing expired leases; default the larger of the
   * lease and 10s.
   */
  private @Nullable Duration rescueGrace;

  /** How often an idle queue polls when no notification arrives; default 1s. */
  private @Nullable Duration pollInterval;

  /** The most jobs one claim statement takes; default 100. */
  private @Nullable Integer fetchBatch;

  /**
   * How many jobs per queue may be claimed ahead of free handlers; default the larger of the
   * queue's concurrency and fetch-batch. 0 claims only for idle handlers.
   */
  private @Nullable Integer prefetch;

  /** The most completions one statement writes; default 100. */
  private @Nullable Integer completionBatch;

  /** How long a completion may wait for others to share its statement; default 10ms. */
  private @Nullable Duration completionLinger;

  /**
   * Wait between failed attempts of kinds without a backoff of their own: exponential from base to
   * max, with jitter, or fixed.
   */
  private final Backoff backoff = new Backoff();

  /**
   * The retry policy of kinds without one of their own (their backoff is millrace.backoff). A job's
   * own maxAttempts wins over any policy.
   */
  private final Retry retry = new Retry();

  /**
   * Settings per job kind, by kind. Kinds with '.' or ':' go in brackets:
   * millrace.kinds[email.send].retry.max-attempts.
   */
  private Map<String, Kind> kinds = new LinkedHashMap<>();

  /**
   * Whether to LISTEN for new-job notifications; default true. Turn off behind a pooler in
   * transaction mode.
   */
  private @Nullable Boolean listen;

  /**
   * Whether the leader vacuums the jobs table itself as soon as enough dead rows are removable;
   * default true. Turn off where operators tune autovacuum for that table themselves.
   */
  private @Nullable Boolean vacuumHotTable;

  /** How often the cluster loop runs (heartbeat, election, leader maintenance); default 1s. */
  private @Nullable Duration maintenanceInterval;

  /** How often the leader manages history partitions, retention and dead nodes; default 1m. */
  private @Nullable Duration housekeepingInterval;

  /** How long finished jobs are kept, by state. */
  private final Retention retention = new Retention();

  /** The largest args document accepted at enqueue, in bytes; default 1048576 (1 MiB). */
  private @Nullable Integer maxArgsBytes;

  /** How late a periodic tick may fire and still count as on time; default 1m. */
  private @Nullable Duration misfireThreshold;

  /**
   * How long a periodic job may go unregistered by any live node before it counts as orphaned and
   * stops firing (until an operator resumes it); default 10m.
   */
  private @Nullable Duration orphanedScheduleAfter;

  /**
   * How far behind the primary the read replica (the {@link MillraceReadDataSource} bean) may be
   * and still answer the operators' reads; beyond it they go to the primary. Default 5s; 0 only a
   * replica that has replayed everything.
   */
  private @Nullable Duration maxReplicaLag;

  /**
   * How long shutdown lets running handlers finish before releasing them. Default: the
   * spring.lifecycle.timeout-per-shutdown-phase less 5s (at least half of it), so the drain ends
   * before Spring moves on and closes the DataSource. Must be shorter than that phase timeout.
   */
  private @Nullable Duration shutdownTimeout;

  /** How often the queue-count gauges are refreshed; default 15s. */
  private @Nullable Duration countsRefreshInterval;

  /** How this node advances workflows. */
  private final Workflows workflows = new Workflows();

  /** How Millrace's readiness report reaches Spring's application availability. */
  private final Readiness readiness = new Readiness();

  /**
   * The admin API and dashboard inside the application's own web server (needs millrace-server on
   * the class path).
   */
  private final Web web = new Web();

  public static class Queue {
    /** Handlers of this queue running at once on this node, 1 to 10000. */
    private int concurrency = 10;

    public int getConcurrency() {
      return concurrency;
    }

    public void setConcurrency(int concurrency) {
      this.concurrency = concurrency;
    }
  }

  public static class Backoff {
    /** The wait after the first failed attempt; default 1s. */
    private @Nullable Duration base;

    /** The longest wait; default 1h. */
    private @Nullable Duration max;

    /** The fraction of the wait that is randomised, 0 to 1; default 0.2. */
    private @Nullable Double jitter;

    /** How much each further attempt multiplies the wait, 1 to 100; default 2. */
    private @Nullable Double factor;

    /**
     * The same wait after every failed attempt, without jitter, instead of base, factor, max and
     * jitter (which must then be left unset).
     */
    private @Nullable Duration fixed;

    public @Nullable Double getFactor() {
      return factor;
    }

    public void setFactor(@Nullable Double factor) {
      this.factor = factor;
    }

    public @Nullable Duration getFixed() {
      return fixed;
    }

    public void setFixed(@Nullable Duration fixed) {
      this.fixed = fixed;
    }

    public @Nullable Duration getBase() {
      return base;
    }

    public void setBase(@Nullable Duration base) {
      this.base = base;
    }

    public @Nullable Duration getMax() {
      return max;
    }

    public void setMax(@Nullable Duration max) {
      this.max = max;
    }

    public @Nullable Double getJitter() {
      return jitter;
    }

    public void setJitter(@Nullable Double jitter) {
      this.jitter = jitter;
    }
  }

  /** How jobs are retried: attempts and the exceptions that fail a job at once. */
  public static class Retry {
    /**
     * Attempts before a job fails for good, 1 to 1000; default 20. A job's own maxAttempts wins.
     */
    private @Nullable Integer maxAttempts;

    /**
     * Exception classes, by fully qualified name, that fail a job at once without retrying, when
     * the handler throws one (or a subclass, or an exception caused by one). A handler's
     * io.millrace.jobs.NonRetryableException always does. Default none; unknown classes refuse
     * start-up.
     */
    private @Nullable List<String> nonRetryable;

    public @Nullable Integer getMaxAttempts() {
      return maxAttempts;
    }

    public void setMaxAttempts(@Nullable Integer maxAttempts) {
      this.maxAttempts = maxAttempts;
    }

    public @Nullable List<String> getNonRetryable() {
      return nonRetryable;
    }

    public void setNonRetryable(@Nullable List<String> nonRetryable) {
      this.nonRetryable = nonRetryable;
    }
  }

  /**
   * One kind's retry policy; what it leaves unset comes from millrace.retry and millrace.backoff.
   */
  public static class KindRetry extends Retry {
    /** Wait between this kind's failed attempts; unset values come from millrace.backoff. */
    private final Backoff backoff = new Backoff();

    public Backoff getBackoff() {
      return backoff;
    }
  }

  /** Settings of one job kind. */
  public static class Kind {
    /** How jobs of this kind are retried. */
    private final KindRetry retry = new KindRetry();

    public KindRetry getRetry() {
      return retry;
    }
  }

  public static class Retention {
    /** How long completed jobs are kept (dropped by whole UTC days); default 1d. */
    private @Nullable Duration completed;

    /** How long failed jobs are kept; default 7d. */
    private @Nullable Duration failed;

    /** How long cancelled jobs are kept; default 7d. */
    private @Nullable Duration cancelled;

    /** How long skipped jobs are kept; default 7d. */
    private @Nullable Duration skipped;

    public @Nullable Duration getCompleted() {
      return completed;
    }

    public void setCompleted(@Nullable Duration completed) {
      this.completed = completed;
    }

    public @Nullable Duration getFailed() {
      return failed;
    }

    public void setFailed(@Nullable Duration failed) {
      this.failed = failed;
    }

    public @Nullable Duration getCancelled() {
      return cancelled;
    }

    public void setCancelled(@Nullable Duration cancelled) {
      this.cancelled = cancelled;
    }

    public @Nullable Duration getSkipped() {
      return skipped;
    }

    public void setSkipped(@Nullable Duration skipped) {
      this.skipped = skipped;
    }
  }

  public static class Workflows {
    /** How old an undispatched completion event must be before the reconciler takes it; 1s. */
    private @Nullable Duration staleAfter;

    /** The most events one reconciler tick takes; default 1000. */
    private @Nullable Integer reconcileBatch;

    /** When set, this node's reconciler serves only workflows in this namespace. */
    private @Nullable String namespace;

    /** When set, this node's reconciler serves only workflows with this tag. */
    private @Nullable String tag;

    /** Whether this node LISTENs for completion events and dispatches them; default true. */
    private @Nullable Boolean dispatch;

    /** How long a finished workflow is kept after its last member finished; default 7d. */
    private @Nullable Duration retention;

    public @Nullable Duration getStaleAfter() {
      return staleAfter;
    }

    public void setStaleAfter(@Nullable Duration staleAfter) {
      this.staleAfter = staleAfter;
    }

    public @Nullable Integer getReconcileBatch() {
      return reconcileBatch;
    }

    public void setReconcileBatch(@Nullable Integer reconcileBatch) {
      this.reconcileBatch = reconcileBatch;
    }

    public @Nullable String getNamespace() {
      return namespace;
    }

    public void setNamespace(@Nullable String namespace) {
      this.namespace = namespace;
    }

    public @Nullable String getTag() {
      return tag;
    }

    public void setTag(@Nullable String tag) {
      this.tag = tag;
    }

    public @Nullable Boolean getDispatch() {
      return dispatch;
    }

    public void setDispatch(@Nullable Boolean dispatch) {
      this.dispatch = dispatch;
    }

    public @Nullable Duration getRetention() {
      return retention;
    }

    public void setRetention(@Nullable Duration retention) {
      this.retention = retention;
    }
  }

  /** What the application's web server offers of Millrace's admin API and dashboard. */
  public enum WebMode {
    /** Everything: reads and actions (enqueue, retry, cancel, pause...). */
    FULL,
    /** Every read; every other request is refused with 403. */
    READ_ONLY,
    /** Nothing is mounted. */
    DISABLED
  }

  public static class Web {
    /**
     * Where the dashboard and the admin API are mounted: the dashboard at {path}/, the API at
     * {path}/api/. A path of plain segments, without a trailing slash.
     */
    private String path = "/millrace";

    /**
     * full, read-only or disabled. Read-only by default: actions are offered only when asked for,
     * as the application decides who may take them.
     */
    private WebMode mode = WebMode.READ_ONLY;

    /** The largest request body the admin API accepts. */
    private DataSize maxBodySize = DataSize.ofMegabytes(2);

    public String getPath() {
      return path;
    }

    public void setPath(String path) {
      this.path = path;
    }

    public WebMode getMode() {
      return mode;
    }

    public void setMode(WebMode mode) {
      this.mode = mode;
    }

    public DataSize getMaxBodySize() {
      return maxBodySize;
    }

    public void setMaxBodySize(DataSize maxBodySize) {
      this.maxBodySize = maxBodySize;
    }
  }

  public static class Readiness {
    /**
     * Whether the application refuses traffic (ReadinessState.REFUSING_TRAFFIC) while Millrace's
     * readiness report is not ready: blocking backfills running, required projections catching up,
     * the schema behind, the database unreachable.
     */
    private boolean enabled = true;

    /** How often Millrace's readiness report is read. */
    private Duration interval = Duration.ofSeconds(2);

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public Duration getInterval() {
      return interval;
    }

    public void setInterval(Duration interval) {
      this.interval = interval;
    }
  }

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public boolean isMigrate() {
    return migrate;
  }

  public void setMigrate(boolean migrate) {
    this.migrate = migrate;
  }

  public @Nullable String getSchema() {
    return schema;
  }

  public void setSchema(@Nullable String schema) {
    this.schema = schema;
  }

  public @Nullable String getNodeId() {
    return nodeId;
  }

  public void setNodeId(@Nullable String nodeId) {
    this.nodeId = nodeId;
  }

  public Map<String, Queue> getQueues() {
    return queues;
  }

  public void setQueues(Map<String, Queue> queues) {
    this.queues = queues;
  }

  public List<String> getExternalKinds() {
    return externalKinds;
  }

  public void setExternalKinds(List<String> externalKinds) {
    this.externalKinds = externalKinds;
  }

  public @Nullable Duration getLease() {
    return lease;
  }

  public void setLease(@Nullable Duration lease) {
    this.lease = lease;
  }

  public @Nullable Duration getHeartbeat() {
    return heartbeat;
  }

  public void setHeartbeat(@Nullable Duration heartbeat) {
    this.heartbeat = heartbeat;
  }

  public @Nullable Duration getRescueGrace() {
    return rescueGrace;
  }

  public void setRescueGrace(@Nullable Duration rescueGrace) {
    this.rescueGrace = rescueGrace;
  }

  public @Nullable Duration getPollInterval() {
    return pollInterval;
  }

  public void setPollInterval(@Nullable Duration pollInterval) {
    this.pollInterval = pollInterval;
  }

  public @Nullable Integer getFetchBatch() {
    return fetchBatch;
  }

  public void setFetchBatch(@Nullable Integer fetchBatch) {
    this.fetchBatch = fetchBatch;
  }

  public @Nullable Integer getPrefetch() {
    return prefetch;
  }

  public void setPrefetch(@Nullable Integer prefetch) {
    this.prefetch = prefetch;
  }

  public @Nullable Integer getCompletionBatch() {
    return completionBatch;
  }

  public void setCompletionBatch(@Nullable Integer completionBatch) {
    this.completionBatch = completionBatch;
  }

  public @Nullable Duration getCompletionLinger() {
    return completionLinger;
  }

  public void setCompletionLinger(@Nullable Duration completionLinger) {
    this.completionLinger = completionLinger;
  }

  public Backoff getBackoff() {
    return backoff;
  }

  public Retry getRetry() {
    return retry;
  }

  public Map<String, Kind> getKinds() {
    return kinds;
  }

  public void setKinds(Map<String, Kind> kinds) {
    this.kinds = kinds;
  }

  public @Nullable Boolean getListen() {
    return listen;
  }

  public void setListen(@Nullable Boolean listen) {
    this.listen = listen;
  }

  public @Nullable Boolean getVacuumHotTable() {
    return vacuumHotTable;
  }

  public void setVacuumHotTable(@Nullable Boolean vacuumHotTable) {
    this.vacuumHotTable = vacuumHotTable;
  }

  public @Nullable Duration getMaintenanceInterval() {
    return maintenanceInterval;
  }

  public void setMaintenanceInterval(@Nullable Duration maintenanceInterval) {
    this.maintenanceInterval = maintenanceInterval;
  }

  public @Nullable Duration getHousekeepingInterval() {
    return housekeepingInterval;
  }

  public void setHousekeepingInterval(@Nullable Duration housekeepingInterval) {
    this.housekeepingInterval = housekeepingInterval;
  }

  public Retention getRetention() {
    return retention;
  }

  public @Nullable Integer getMaxArgsBytes() {
    return maxArgsBytes;
  }

  public void setMaxArgsBytes(@Nullable Integer maxArgsBytes) {
    this.maxArgsBytes = maxArgsBytes;
  }

  public @Nullable Duration getMisfireThreshold() {
    return misfireThreshold;
  }

  public void setMisfireThreshold(@Nullable Duration misfireThreshold) {
    this.misfireThreshold = misfireThreshold;
  }

  public @Nullable Duration getOrphanedScheduleAfter() {
    return orphanedScheduleAfter;
  }

  public void setOrphanedScheduleAfter(@Nullable Duration orphanedScheduleAfter) {
    this.orphanedScheduleAfter = orphanedScheduleAfter;
  }

  public @Nullable Duration getMaxReplicaLag() {
    return maxReplicaLag;
  }

  public void setMaxReplicaLag(@Nullable Duration maxReplicaLag) {
    this.maxReplicaLag = maxReplicaLag;
  }

  public @Nullable Duration getShutdownTimeout() {
    return shutdownTimeout;
  }

  public void setShutdownTimeout(@Nullable Duration shutdownTimeout) {
    this.shutdownTimeout = shutdownTimeout;
  }

  public @Nullable Duration getCountsRefreshInterval() {
    return countsRefreshInterval;
  }

  public void setCountsRefreshInterval(@Nullable Duration countsRefreshInterval) {
    this.countsRefreshInterval = countsRefreshInterval;
  }

  public Workflows getWorkflows() {
    return workflows;
  }

  public Readiness getReadiness() {
    return readiness;
  }

  public Web getWeb() {
    return web;
  }
}
