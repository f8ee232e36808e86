package io.millrace;

import io.micrometer.core.instrument.MeterRegistry;
import io.millrace.base.Jackson2Codec;
import io.millrace.base.JsonCodec;
import io.millrace.base.Storable;
import io.millrace.base.TypeRef;
import io.millrace.base.ValidationException;
import io.millrace.jobs.Backoff;
import io.millrace.jobs.HandlerBinding;
import io.millrace.jobs.JobHandler;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.JobState;
import io.millrace.jobs.PeriodicJob;
import io.millrace.jobs.RetryPolicy;
import io.millrace.jobs.WorkerSettings;
import io.millrace.schema.SchemaName;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link Millrace} node. Every setting has a safe default; each method documents it.
 * Values are checked here, so a bad configuration fails at {@link #build()} time with the setting
 * named, not later in a background thread.
 */
public final class MillraceBuilder {
  private final DataSource dataSource;
  private SchemaName schema = SchemaName.of("millrace");
  private @Nullable String nodeId;
  private final Map<String, Integer> queues = new LinkedHashMap<>();
  private final Map<String, HandlerBinding<?>> handlers = new LinkedHashMap<>();
  private final Set<String> externalKinds = new HashSet<>();
  private final List<PeriodicJob> periodicJobs = new ArrayList<>();
  private Duration lease = Duration.ofSeconds(30);
  private @Nullable Duration heartbeat;
  private @Nullable Duration rescueGrace;
  private Duration pollInterval = Duration.ofSeconds(1);
  private int fetchBatch = 100;

  /** Negative: the larger of the queue's concurrency and fetchBatch (the default). */
  private int prefetch = WorkerSettings.PREFETCH_CONCURRENCY;

  private int completionBatch = 100;
  private Duration completionLinger = Duration.ofMillis(10);
  private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
  private final Map<String, RetryPolicy> retryPolicies = new LinkedHashMap<>();
  private boolean listen = true;
  private boolean vacuumHotTable = true;
  private Duration maintenanceInterval = Duration.ofSeconds(1);
  private Duration housekeepingInterval = Duration.ofMinutes(1);
  private Duration nodeSilence = Duration.ofMinutes(10);
  private final Map<JobState, Duration> retention =
      new EnumMap<>(
          Map.of(
              JobState.COMPLETED, Duration.ofDays(1),
              JobState.FAILED, Duration.ofDays(7),
              JobState.CANCELLED, Duration.ofDays(7),
              JobState.SKIPPED, Duration.ofDays(7)));
  private int maxArgsBytes = 1024 * 1024;
  private Duration misfireThreshold = Duration.ofMinutes(1);
  private Duration orphanedScheduleAfter = Duration.ofMinutes(10);
  private Duration shutdownTimeout = Duration.ofSeconds(30);
  private Duration countsRefreshInterval = Duration.ofSeconds(15);
  private @Nullable MeterRegistry meterRegistry;
  private JsonCodec jsonCodec = Jackson2Codec.defaults();
  private @Nullable OpenTelemetry openTelemetry;
  private io.millrace.workflows.WorkflowOptions workflowOptions =
      io.millrace.workflows.WorkflowOptions.DEFAULT;
  private final List<io.millrace.backfills.Backfill> backfills = new ArrayList<>();
  private final List<io.millrace.projections.Projection> projections = new ArrayList<>();
  private @Nullable DataSource readDataSource;
  private Duration maxReplicaLag = DEFAULT_MAX_REPLICA_LAG;

  /** The default of {@link #maxReplicaLag}. */
  static final Duration DEFAULT_MAX_REPLICA_LAG = Duration.ofSeconds(5);

  private @Nullable DataSource directDataSource;

  MillraceBuilder(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  /** The PostgreSQL schema for Millrace's tables; default {@code millrace}. */
  public MillraceBuilder schema(String schema) {
    this.schema = SchemaName.of(schema);
    return this;
  }

  /** This node's id in the registry and on every claim; default {@code host-pid-random}. */
  public MillraceBuilder nodeId(String nodeId) {
    if (nodeId == null || nodeId.isBlank() || nodeId.length() > 128) {
      throw new ValidationException("nodeId", "must be 1 to 128 characters");
    }
    this.nodeId = Storable.text("nodeId", nodeId);
    return this;
  }

  /**
   * Works {@code queue} with up to {@code concurrency} handlers at once on this node. A node with
   * handlers but no queue works {@code default} with 10.
   */
  public MillraceBuilder queue(String queue, int concurrency) {
    JobRequest.requireName("queue", queue);
    if (concurrency < 1 || concurrency > 10_000) {
      throw new ValidationException(
          "concurrency", "must be between 1 and 10000 for queue " + queue);
    }
    queues.put(queue, concurrency);
    return this;
  }

  /**
   * Runs jobs of {@code kind}; their JSON args are read into {@code argsType} by the node's {@link
   * #jsonCodec} ({@code JsonNode} or {@code Object}: Millrace's exact tree; {@code String}: the
   * text).
   */
  public <A> MillraceBuilder handler(String kind, Class<A> argsType, JobHandler<A> handler) {
    return handler(new HandlerBinding<>(kind, argsType, handler, null));
  }

  /**
   * As {@link #handler(String, Class, JobHandler)}, for args of a generic type: {@code new
   * TypeRef<List<LineItem>>() {}}.
   */
  public <A> MillraceBuilder handler(String kind, TypeRef<A> argsType, JobHandler<A> handler) {
    return handler(new HandlerBinding<>(kind, typeOf(argsType), handler, null));
  }

  /**
   * As {@link #handler(String, Class, JobHandler)}, with a deadline: an attempt still running after
   * {@code timeout} is interrupted and recorded as failed (retryable) at once. A handler that
   * ignores the interrupt keeps its thread until it returns, and what it then returns is discarded.
   */
  public <A> MillraceBuilder handler(
      String kind, Class<A> argsType, JobHandler<A> handler, Duration timeout) {
    return handler(new HandlerBinding<>(kind, argsType, handler, timeout));
  }

  /** As {@link #handler(String, TypeRef, JobHandler)}, with a deadline per attempt. */
  public <A> MillraceBuilder handler(
      String kind, TypeRef<A> argsType, JobHandler<A> handler, Duration timeout) {
    return handler(new HandlerBinding<>(kind, typeOf(argsType), handler, timeout));
  }

  private static java.lang.reflect.Type typeOf(TypeRef<?> ref) {
    if (ref == null) {
      throw new ValidationException("argsType", "must not be null");
    }
    return ref.type();
  }

  private MillraceBuilder handler(HandlerBinding<?> binding) {
    if (handlers.putIfAbsent(binding.kind(), binding) != null) {
      throw new ValidationException(
          "kind", "a handler for '" + binding.kind() + "' is already registered");
    }
    return this;
  }

  /**
   * Kinds this node may enqueue although no handler here runs them (another service does). A node
   * with handlers rejects unknown kinds at enqueue; a node without handlers accepts any kind.
   */
  public MillraceBuilder externalKinds(String... kinds) {
    externalKinds.addAll(List.of(kinds));
    return this;
  }

  /** A job enqueued on a schedule, exactly once per tick across the cluster. */
  public MillraceBuilder periodic(PeriodicJob job) {
    for (PeriodicJob existing : periodicJobs) {
      if (existing.name().equals(job.name())) {
        throw new ValidationException(
            "name", "periodic job '" + job.name() + "' is already registered");
      }
    }
    periodicJobs.add(job);
    return this;
  }

  /**
   * How long a claim is valid without a heartbeat; default 30 s. A dead node's jobs are rescued
   * about this long after its last heartbeat. Shorter means faster rescue and more heartbeat
   * writes.
   */
  public MillraceBuilder lease(Duration lease) {
    this.lease = positive("lease", lease);
    return this;
  }

  /**
   * How long a newly elected leader (and a leader on a database that just started) waits before
   * rescuing expired leases; default the larger of the lease and 10 s. After a database outage
   * every lease has expired; this is the time nodes have to reconnect and renew the leases of what
   * they still hold, finished work whose completion is not yet written included, before the rescue
   * would run those jobs again. It must cover a heartbeat and the pool's reconnect (HikariCP waits
   * up to 5 s between connection attempts). A leader that has led for longer is not delayed: a dead
   * node's jobs are still rescued a lease after its last heartbeat. Zero turns the wait off.
   */
  public MillraceBuilder rescueGrace(Duration rescueGrace) {
    this.rescueGrace = io.millrace.base.Storable.duration("rescueGrace", rescueGrace);
    if (rescueGrace == null) {
      throw new ValidationException("rescueGrace", "must not be null");
    }
    return this;
  }

  /** How often held leases are extended; default a third of the lease. */
  public MillraceBuilder heartbeat(Duration heartbeat) {
    this.heartbeat = positive("heartbeat", heartbeat);
    return this;
  }

  /** How often an idle queue polls when no notification arrives; default 1 s. */
  public MillraceBuilder pollInterval(Duration pollInterval) {
    this.pollInterval = positive("pollInterval", pollInterval);
    return this;
  }

  /** The most jobs one claim statement takes; default 100. */
  public MillraceBuilder fetchBatch(int fetchBatch) {
    this.fetchBatch = range("fetchBatch", fetchBatch, 1, 10_000);
    return this;
  }

  /**
   * How many jobs per queue a node may claim ahead of its free handlers; default: the larger of the
   * queue's concurrency and {@link #fetchBatch}, so that a claim can take a full batch instead of
   * the few slots that happen to be free (a claim is a commit: at 16 handlers, a buffer of 32 made
   * about 79 commits per 1,000 jobs and one of 128 about 40). Claimed-ahead jobs start the moment a
   * handler frees up instead of after a claim round trip, which is what keeps short jobs fast; they
   * are leased while they wait, and released at shutdown. The cost of a large buffer is fairness:
   * one node may hold that many jobs another node could have started. 0 claims only for idle
   * handlers (fairest across nodes, slowest for short jobs).
   */
  public MillraceBuilder prefetch(int prefetch) {
    this.prefetch = range("prefetch", prefetch, 0, 10_000);
    return this;
  }

  /**
   * The most completions one statement writes; default 100. A batch is written as soon as it is
   * full, so on a busy node this, not {@link #completionLinger}, sets how often completions commit.
   */
  public MillraceBuilder completionBatch(int completionBatch) {
    this.completionBatch = range("completionBatch", completionBatch, 1, 10_000);
    return this;
  }

  /**
   * How long a completion may wait for others to share its statement; default 10 ms. The handler's
   * slot is free as soon as it returns (the wait holds no handler), so this costs no throughput; it
   * only delays when a finish becomes visible: from handler return to commit takes at most this
   * linger plus the flush in progress and its own flush (longer only while the database is slower
   * than completions arrive, when batches are full and written back to back). Until then the job
   * stays leased by this node, so a crash in between runs it again after the lease, as any crash
   * before a commit does.
   */
  public MillraceBuilder completionLinger(Duration linger) {
    if (linger == null || linger.isNegative()) {
      throw new ValidationException("completionLinger", "must be zero or positive");
    }
    this.completionLinger = Storable.duration("completionLinger", linger);
    return this;
  }

  /**
   * The wait between failed attempts of kinds without a retry policy of their own; default 1 s
   * doubling to 1 h, 20% jitter. The same as setting the backoff of {@link
   * #retryPolicy(RetryPolicy)}.
   */
  public MillraceBuilder backoff(Backoff backoff) {
    if (backoff == null) {
      throw new ValidationException("backoff", "must not be null");
    }
    this.retryPolicy = retryPolicy.withBackoff(backoff);
    return this;
  }

  /**
   * The retry policy of kinds without one of their own: max attempts, backoff and the exceptions
   * that fail a job at once; default {@link RetryPolicy#DEFAULT} (20 attempts, {@link
   * Backoff#DEFAULT}, only {@link io.millrace.jobs.NonRetryableException} fails at once). Replaces
   * an earlier {@link #backoff(Backoff)}.
   */
  public MillraceBuilder retryPolicy(RetryPolicy policy) {
    if (policy == null) {
      throw new ValidationException("retryPolicy", "must not be null");
    }
    this.retryPolicy = policy;
    return this;
  }

  /**
   * The retry policy of jobs of {@code kind}, in place of the default one (see {@link
   * RetryPolicy}): a {@link JobRequest#maxAttempts(int)} set on a request still wins over the
   * policy's max attempts, and the policy's max attempts win over the default policy's. The kind
   * need not run on this node: a node that enqueues a kind decides its max attempts, the node that
   * runs it its backoff and which exceptions fail it at once, so give every node that does either
   * the same policies. A later call for the same kind replaces the earlier one.
   */
  public MillraceBuilder retryPolicy(String kind, RetryPolicy policy) {
    JobRequest.requireName("kind", kind);
    if (policy == null) {
      throw new ValidationException("retryPolicy", "must not be null for kind " + kind);
    }
    retryPolicies.put(kind, policy);
    return this;
  }

  /**
   * Whether to LISTEN for new-job and new-event notifications; default true. LISTEN runs on a
   * connection of {@link #directDataSource}; off, workers and projections rely on polling alone.
   */
  public MillraceBuilder listen(boolean listen) {
    this.listen = listen;
    return this;
  }

  /**
   * Where the node's session connections come from: the leader lock's session and the LISTEN
   * connections, each held open from start to close (how many: {@link
   * io.millrace.cluster.ConnectionBudget}). Default: the node's DataSource. Set it when the node's
   * DataSource goes through a transaction pooler (PgBouncer {@code pool_mode = transaction}), where
   * those would lose their session between transactions; point it at PostgreSQL itself (or a
   * session-mode pool) with room for that many connections plus one. {@link Millrace#start()}
   * refuses a transaction-pooled DataSource without it, a direct one that is transaction-pooled
   * itself, and a transaction-pooled one whose pgjdbc {@code prepareThreshold} is not 0.
   */
  public MillraceBuilder directDataSource(DataSource directDataSource) {
    if (directDataSource == null) {
      throw new ValidationException("directDataSource", "must not be null");
    }
    this.directDataSource = directDataSource;
    return this;
  }

  /**
   * How often the cluster loop runs (node heartbeat, leader election, and on the leader: rescue and
   * periodic jobs); default 1 s. Leadership moves within about this long of a leader's death.
   */
  public MillraceBuilder maintenanceInterval(Duration interval) {
    this.maintenanceInterval = positive("maintenanceInterval", interval);
    return this;
  }

  /**
   * Whether the leader vacuums the jobs table itself as soon as enough dead rows are removable;
   * default on. Every job leaves two dead rows in it, and autovacuum visits a database once per
   * {@code autovacuum_naptime} (a minute by default): under load, and above all after a transaction
   * was held open, claims and counts walk hundreds of thousands of them until it comes. A pass runs
   * at most a fifth of the time, on a thread and a pooled connection of its own, and only when the
   * role owns the table (the role that migrates); otherwise autovacuum alone keeps it. Turn it off
   * where operators tune autovacuum for the table themselves.
   */
  public MillraceBuilder vacuumHotTable(boolean vacuumHotTable) {
    this.vacuumHotTable = vacuumHotTable;
    return this;
  }

  /** How often the leader manages history partitions, retention and dead nodes; default 1 min. */
  public MillraceBuilder housekeepingInterval(Duration interval) {
    this.housekeepingInterval = positive("housekeepingInterval", interval);
    return this;
  }

  /**
   * How long finished jobs in {@code state} are kept (dropped by whole UTC days); defaults:
   * completed 1 day, failed, cancelled and skipped 7 days.
   */
  public MillraceBuilder retention(JobState state, Duration keep) {
    if (!state.terminal()) {
      throw new ValidationException("retention", state + " is not a finished state");
    }
    if (keep == null || keep.isNegative()) {
      throw new ValidationException("retention", "must be zero or positive");
    }
    retention.put(state, Storable.duration("retention", keep));
    return this;
  }

  /** The largest args document accepted at enqueue; default 1 MiB. */
  public MillraceBuilder maxArgsBytes(int maxArgsBytes) {
    this.maxArgsBytes = range("maxArgsBytes", maxArgsBytes, 16, 64 * 1024 * 1024);
    return this;
  }

  /** How late a periodic tick may fire and still count as on time; default 1 min. */
  public MillraceBuilder misfireThreshold(Duration threshold) {
    this.misfireThreshold = positive("misfireThreshold", threshold);
    return this;
  }

  /**
   * How long a periodic job may go without any live node registering it before it counts as
   * orphaned: shown so, and not fired unless an operator says so (see {@code
   * Millrace.schedules()}); default 10 min, at least 5 s. Each running node refreshes its
   * registrations four times within this bound, and removes them when it stops.
   */
  public MillraceBuilder orphanedScheduleAfter(Duration bound) {
    this.orphanedScheduleAfter = positive("orphanedScheduleAfter", bound);
    if (bound.compareTo(Duration.ofSeconds(5)) < 0) {
      throw new ValidationException("orphanedScheduleAfter", "must be at least 5 s");
    }
    Storable.duration("orphanedScheduleAfter", bound);
    return this;
  }

  /**
   * How long {@link Millrace#close()} lets running handlers finish before releasing them; default
   * 30 s.
   */
  public MillraceBuilder shutdownTimeout(Duration timeout) {
    if (timeout == null || timeout.isNegative()) {
      throw new ValidationException("shutdownTimeout", "must be zero or positive");
    }
    this.shutdownTimeout = Storable.duration("shutdownTimeout", timeout);
    return this;
  }

  /** How often the queue-count gauges are refreshed (one exact count read); default 15 s. */
  public MillraceBuilder countsRefreshInterval(Duration interval) {
    this.countsRefreshInterval = positive("countsRefreshInterval", interval);
    return this;
  }

  /** Where meters go; default a private registry (pass your Prometheus registry to export them). */
  public MillraceBuilder meterRegistry(MeterRegistry registry) {
    this.meterRegistry = registry;
    return this;
  }

  /**
   * How the application's values become JSON and back: job args given as objects, the args handlers
   * receive, handlers' results, event data and metadata given as objects, {@code Event.dataAs} and
   * projection documents. Default {@link Jackson2Codec#defaults()}; pass {@code
   * Jackson2Codec.of(yourObjectMapper)} or {@code Jackson3Codec.of(yourJsonMapper)} to use the
   * application's own mapper (its modules, naming strategy, Kotlin support...). Whatever the codec
   * writes is checked for what PostgreSQL can store before it reaches SQL.
   */
  public MillraceBuilder jsonCodec(JsonCodec codec) {
    if (codec == null) {
      throw new ValidationException("jsonCodec", "must not be null");
    }
    this.jsonCodec = codec;
    return this;
  }

  /**
   * Where the spans of job attempts go (one consumer span per attempt, linked to the trace context
   * that was current at enqueue). Default: {@code GlobalOpenTelemetry}, read when the workers
   * start, so the Java agent's or an SDK the application registered globally is picked up with no
   * code; without either it is a no-op and attempts cost no span. Pass {@code OpenTelemetry.noop()}
   * to turn tracing off. Setting the global after {@code start()} fails ({@code
   * GlobalOpenTelemetry} refuses a late {@code set}): set it first, or pass the instance here.
   */
  public MillraceBuilder openTelemetry(OpenTelemetry openTelemetry) {
    if (openTelemetry == null) {
      throw new ValidationException("openTelemetry", "must not be null");
    }
    this.openTelemetry = openTelemetry;
    return this;
  }

  /**
   * How this node advances workflows: the reconciler's stale threshold (default 1 s) and batch
   * (default 1,000), an optional namespace or tag it is limited to, whether this node dispatches
   * completion events live (default true) and how long finished workflows are kept (default 7
   * days). See {@link io.millrace.workflows.WorkflowOptions}.
   */
  public MillraceBuilder workflows(io.millrace.workflows.WorkflowOptions options) {
    this.workflowOptions = Objects.requireNonNull(options, "workflows");
    return this;
  }

  /**
   * A backfill this node may run (once, cluster-wide, on one node at a time), in registration order
   * unless it is declared independent. See {@link io.millrace.backfills.Backfill}.
   */
  public MillraceBuilder backfill(io.millrace.backfills.Backfill backfill) {
    Objects.requireNonNull(backfill, "backfill");
    for (io.millrace.backfills.Backfill existing : backfills) {
      if (existing.name().equals(backfill.name())) {
        throw new ValidationException(
            "name", "backfill '" + backfill.name() + "' is already registered");
      }
    }
    backfills.add(backfill);
    return this;
  }

  /**
   * Runs {@code projection} on this node (under a lease, so one node at a time in the cluster). Its
   * catch-up starts with {@link Millrace#start()} and never delays it.
   */
  public MillraceBuilder projection(io.millrace.projections.Projection projection) {
    Objects.requireNonNull(projection, "projection");
    if (projections.stream().anyMatch(p -> p.name().equals(projection.name()))) {
      throw new ValidationException(
          "projection", "'" + projection.name() + "' is already registered");
    }
    projections.add(projection);
    return this;
  }

  /**
   * A streaming read replica (a hot standby of this node's database) for the operators' reads: job
   * lists and pages, counts, workflow and backfill views, nodes — {@link Millrace#reads()}, which
   * the admin API and the dashboard use. Never for anything that decides work. Give its pool a
   * short connection timeout: while the replica is down, a lag measurement waits that long (once
   * per interval; reads meanwhile go to the primary). Default none: every read on the primary.
   */
  public MillraceBuilder readDataSource(DataSource replica) {
    if (replica == null) {
      throw new ValidationException("readDataSource", "must not be null");
    }
    if (replica == dataSource) {
      throw new ValidationException(
          "readDataSource", "is the node's own data source; give the replica's");
    }
    this.readDataSource = replica;
    return this;
  }

  /**
   * How far behind the primary the read replica may be and still answer; beyond it, reads go to the
   * primary. Zero: only a replica that has replayed everything the primary had written. Default 5
   * s.
   */
  public MillraceBuilder maxReplicaLag(Duration maxLag) {
    if (maxLag == null || maxLag.isNegative()) {
      throw new ValidationException("maxReplicaLag", "must be zero or positive");
    }
    this.maxReplicaLag = Storable.duration("maxReplicaLag", maxLag);
    return this;
  }

  public Millrace build() {
    Duration beat = heartbeat == null ? lease.dividedBy(3) : heartbeat;
    if (beat.compareTo(lease) >= 0) {
      throw new ValidationException("heartbeat", "must be shorter than the lease (" + lease + ")");
    }
    Map<String, Integer> workQueues = new LinkedHashMap<>(queues);
    if (workQueues.isEmpty() && !handlers.isEmpty()) {
      workQueues.put(JobRequest.DEFAULT_QUEUE, 10);
    }
    String id =
        nodeId != null
            ? nodeId
            : Millrace.hostName()
                + "-"
                + ProcessHandle.current().pid()
                + "-"
                + UUID.randomUUID().toString().substring(0, 8);
    return new Millrace(
        readDataSource,
        maxReplicaLag,
        new MillraceSettings(
            dataSource,
            schema,
            id,
            workQueues,
            List.copyOf(handlers.values()),
            Set.copyOf(externalKinds),
            List.copyOf(periodicJobs),
            lease,
            beat,
            rescueGrace != null ? rescueGrace : max(lease, Duration.ofSeconds(10)),
            pollInterval,
            fetchBatch,
            prefetch,
            completionBatch,
            completionLinger,
            retryPolicy,
            Map.copyOf(retryPolicies),
            listen,
            vacuumHotTable,
            maintenanceInterval,
            housekeepingInterval,
            nodeSilence,
            retention,
            maxArgsBytes,
            misfireThreshold,
            orphanedScheduleAfter,
            shutdownTimeout,
            countsRefreshInterval,
            meterRegistry,
            jsonCodec,
            workflowOptions,
            List.copyOf(backfills),
            List.copyOf(projections),
            openTelemetry,
            directDataSource));
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  private static Duration positive(String field, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new ValidationException(field, "must be positive");
    }
    // Leases, intervals and thresholds end up as now() + d or now() - d in SQL.
    return Storable.duration(field, d);
  }

  private static int range(String field, int value, int min, int max) {
    if (value < min || value > max) {
      throw new ValidationException(
          field, "must be between " + min + " and " + max + ", got " + value);
    }
    return value;
  }
}
