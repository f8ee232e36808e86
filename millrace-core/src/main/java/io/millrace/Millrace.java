package io.millrace;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.millrace.backfills.Backfills;
import io.millrace.backfills.BackfillsComponent;
import io.millrace.base.JsonCodec;
import io.millrace.base.MillraceException;
import io.millrace.cluster.ConnectionBudget;
import io.millrace.cluster.MaintenanceFailure;
import io.millrace.cluster.Nodes;
import io.millrace.counts.Counts;
import io.millrace.counts.CountsComponent;
import io.millrace.counts.QueueOverview;
import io.millrace.health.Readiness;
import io.millrace.internal.cluster.Component;
import io.millrace.internal.cluster.Membership;
import io.millrace.internal.cluster.NodeContext;
import io.millrace.internal.cluster.NodeRegistry;
import io.millrace.internal.cluster.Notifier;
import io.millrace.internal.cluster.SessionCheck;
import io.millrace.internal.cluster.Task;
import io.millrace.jobs.EnqueueResult;
import io.millrace.jobs.JobAdmin;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.JobsComponent;
import io.millrace.projections.EventStore;
import io.millrace.projections.Projections;
import io.millrace.projections.ProjectionsComponent;
import io.millrace.schema.SchemaMigrator;
import io.millrace.schema.SchemaName;
import io.millrace.workflows.Workflows;
import io.millrace.workflows.WorkflowsComponent;
import io.opentelemetry.api.OpenTelemetry;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Millrace node: enqueue jobs (in your transaction or standalone), run handlers for the queues it
 * works, and take part in the cluster (heartbeat, leader election, leader maintenance).
 *
 * <pre>{@code
 * Millrace millrace = Millrace.builder(dataSource)
 *     .queue("default", 8)
 *     .handler("email.send", EmailArgs.class, job -> { mailer.send(job.args()); return null; })
 *     .build();
 * millrace.migrate();
 * millrace.start();
 * millrace.enqueue(connection, JobRequest.of("email.send", new EmailArgs("ada@example.com")));
 * }</pre>
 *
 * <p>A node without handlers is a client: it enqueues and administers but claims nothing. Every
 * node, client or not, once started, may become the leader that rescues expired leases, fires
 * periodic jobs and enforces history retention.
 */
public final class Millrace implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Millrace.class);

  private final MillraceSettings settings;
  private final NodeContext node;
  private final SchemaMigrator migrator;
  private final Readiness readiness = new Readiness();
  private final Nodes nodes;
  private final JobsComponent jobs;
  private final CountsComponent counts;
  private final WorkflowsComponent workflows;
  private final BackfillsComponent backfills;
  private final ProjectionsComponent projections;
  private final ReplicaReads reads;

  /** Every capability, in start order; they stop in reverse. */
  private final List<Component> components;

  // Null until start().
  private volatile @Nullable Membership membership;
  private volatile @Nullable ScheduledExecutorService timer;
  private volatile boolean started;
  private volatile boolean closed;

  /**
   * @param readDataSource a streaming replica for the operators' reads, or null (see {@link
   *     ReplicaReads})
   */
  Millrace(@Nullable DataSource readDataSource, Duration maxReplicaLag, MillraceSettings settings) {
    this.settings = settings;
    MeterRegistry meters =
        settings.meterRegistry() == null ? new SimpleMeterRegistry() : settings.meterRegistry();
    DataSource direct =
        settings.directDataSource() != null ? settings.directDataSource() : settings.dataSource();
    this.node =
        new NodeContext(
            settings.dataSource(),
            settings.schema(),
            settings.nodeId(),
            settings.lease(),
            settings.pollInterval(),
            settings.listen(),
            meters,
            settings.jsonCodec(),
            settings::openTelemetry,
            direct,
            new Notifier(direct, settings.listen(), meters));
    this.migrator = new SchemaMigrator(settings.dataSource(), settings.schema());
    this.nodes = new NodeRegistry(settings.dataSource(), settings.schema());
    this.jobs = new JobsComponent(node, settings.jobsOptions());
    this.counts = new CountsComponent(node, settings.countsRefreshInterval());
    this.workflows =
        new WorkflowsComponent(
            node,
            settings.workflowOptions(),
            settings.maxArgsBytes(),
            jobs::acceptsKind,
            jobs::maxAttempts);
    this.backfills = new BackfillsComponent(node, settings.backfills());
    this.projections = new ProjectionsComponent(node, settings.projections());
    // The cascade listens before workers finish anything; projections catch up last, in the
    // background, so a server binds at once.
    this.components = List.of(workflows, jobs, counts, backfills, projections);
    ConnectionBudget budget = settings.connectionBudget();
    io.micrometer.core.instrument.Gauge.builder("millrace.connections.budget", budget::pooled)
        .description("the most pooled connections this node's own threads hold at once")
        .tag("kind", "pooled")
        .register(meters);
    io.micrometer.core.instrument.Gauge.builder("millrace.connections.budget", budget::direct)
        .description("the session connections this node holds from start to close")
        .tag("kind", "direct")
        .register(meters);
    readiness.add(this::schemaStatus);
    components.forEach(c -> c.readinessChecks().forEach(readiness::add));
    readiness.add(node.notifier().readinessCheck());
    this.reads = replicaReads(readDataSource, maxReplicaLag);
  }

  /**
   * The read side of each capability on the primary and, when configured, on the replica. The
   * replica's objects are never started and share nothing with the workers: they only read.
   */
  private ReplicaReads replicaReads(@Nullable DataSource replica, Duration maxLag) {
    ReplicaReads.View primary =
        new ReplicaReads.View(
            jobs.admin(), counts.counts(), workflows.workflows(), backfills.backfills(), nodes);
    if (replica == null) {
      return new ReplicaReads(primary, null, null, maxLag);
    }
    NodeContext reader =
        new NodeContext(
            replica,
            settings.schema(),
            settings.nodeId(),
            settings.lease(),
            settings.pollInterval(),
            false,
            new SimpleMeterRegistry(), // its never-started loops must not shadow the node's meters
            settings.jsonCodec(),
            OpenTelemetry::noop,
            replica,
            new Notifier(replica, false, new SimpleMeterRegistry()));
    ReplicaReads.View onReplica =
        new ReplicaReads.View(
            new JobAdmin(replica, settings.schema()),
            new CountsComponent(reader, settings.countsRefreshInterval()).counts(),
            new WorkflowsComponent(
                    reader,
                    settings.workflowOptions(),
                    settings.maxArgsBytes(),
                    jobs::acceptsKind,
                    jobs::maxAttempts)
                .workflows(),
            new BackfillsComponent(reader, settings.backfills()).backfills(),
            new NodeRegistry(replica, settings.schema()));
    // Measured at least twice within the bound, at most once a second.
    Duration checkEvery = maxLag.dividedBy(2);
    checkEvery =
        checkEvery.compareTo(Duration.ofSeconds(1)) > 0 ? Duration.ofSeconds(1) : checkEvery;
    checkEvery =
        checkEvery.compareTo(Duration.ofMillis(50)) < 0 ? Duration.ofMillis(50) : checkEvery;
    return new ReplicaReads(
        primary,
        onReplica,
        new ReplicaLag(settings.dataSource(), replica, settings.schema(), checkEvery),
        maxLag);
  }

  /** This build's version, as the pom states it (for example {@code 0.1.0-SNAPSHOT}). */
  public static String version() {
    return Version.CURRENT;
  }

  public static MillraceBuilder builder(DataSource dataSource) {
    return new MillraceBuilder(dataSource);
  }

  /** Applies Millrace's pending schema migrations; returns the schema version. */
  public int migrate() {
    return migrator.migrate();
  }

  /**
   * Fails unless the schema is at exactly the version this build knows: behind, run {@link
   * #migrate()}; ahead, a newer Millrace migrated it and this node must be upgraded.
   */
  public void checkSchema() {
    migrator.checkCompatible();
  }

  /**
   * Joins the cluster and starts working. Refuses to start unless the schema is at exactly the
   * version this build knows (see {@link #checkSchema()}).
   */
  public synchronized void start() {
    if (started) {
      throw new IllegalStateException("already started");
    }
    migrator.checkCompatible();
    SessionCheck.require(
        settings.dataSource(), node.directDataSource(), settings.directDataSource() != null);
    List<Task> leaderTasks = new ArrayList<>();
    List<Task> housekeeping = new ArrayList<>();
    for (Component c : components) {
      leaderTasks.addAll(c.leaderTasks());
      housekeeping.addAll(c.housekeeping());
    }
    List<String> queues = List.copyOf(settings.queues().keySet());
    Membership joined =
        Membership.join(
            node,
            queues,
            jobs.kinds(),
            leaderTasks,
            housekeeping,
            settings.housekeepingInterval(),
            settings.nodeSilence());
    ScheduledExecutorService maintenanceTimer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "millrace-maintenance");
              t.setDaemon(true);
              return t;
            });
    membership = joined;
    timer = maintenanceTimer;
    components.forEach(c -> c.start(maintenanceTimer));
    // After every capability subscribed; each polls once as soon as the connection is up.
    node.notifier().start();
    maintenanceTimer.scheduleWithFixedDelay(
        joined::tick, 0, settings.maintenanceInterval().toMillis(), TimeUnit.MILLISECONDS);
    started = true;
    log.info(
        "Millrace node {} started on schema {} (queues {}, {} handlers)",
        node.nodeId(),
        node.schema(),
        queues,
        jobs.kinds().size());
  }

  /** Enqueues one job in a transaction of its own. */
  public EnqueueResult enqueue(JobRequest request) {
    return jobs.enqueue(List.of(request)).get(0);
  }

  /** Enqueues one job inside the caller's transaction: it exists only if the caller commits. */
  public EnqueueResult enqueue(Connection connection, JobRequest request) {
    return jobs.enqueue(connection, List.of(request)).get(0);
  }

  /** Enqueues many jobs in one statement and one transaction; results are in request order. */
  public List<EnqueueResult> enqueueAll(List<JobRequest> requests) {
    return jobs.enqueue(requests);
  }

  /** Enqueues many jobs in one statement inside the caller's transaction. */
  public List<EnqueueResult> enqueueAll(Connection connection, List<JobRequest> requests) {
    return jobs.enqueue(connection, requests);
  }

  /** The event log: append (standalone or in your transaction), read a stream, read everything. */
  public EventStore events() {
    return projections.projections().events();
  }

  /** Projections: status, retry, rebuild, the query guard's status and document reads. */
  public Projections projections() {
    return projections.projections();
  }

  /** Read, list, cancel, retry and discard jobs; pause queues; bulk actions. */
  public JobAdmin admin() {
    return jobs.admin();
  }

  /**
   * Periodic jobs' schedules: list and show them (expression, zone, next fire times, last run and
   * its outcome, which live nodes register them), pause, resume, trigger now and delete.
   */
  public io.millrace.jobs.Schedules schedules() {
    return jobs.schedules();
  }

  /** Submit, read and cancel workflows (jobs that depend on jobs). */
  public Workflows workflows() {
    return workflows.workflows();
  }

  /** Exact and fast queue counts, counter verification and rebuild. */
  public Counts counts() {
    return counts.counts();
  }

  /**
   * Every queue (with jobs, finished jobs, a pause or a limit) with its counts, pause flag and
   * limits.
   *
   * @param exact an exact read, or the cheapest one (see {@link Counts#fast})
   */
  public QueueOverview queues(boolean exact) {
    return reads.primary().queues(exact);
  }

  /**
   * The operators' reads (job lists and pages, counts, workflows, backfills, nodes), on the read
   * replica when one is configured and within {@link MillraceBuilder#maxReplicaLag}, else on the
   * primary; each answer says which and how stale. Never for anything that decides work.
   */
  public ReplicaReads reads() {
    return reads;
  }

  /** Backfills: status, pause/resume/cancel/retry, {@code isFinished} and {@code awaitFinished}. */
  public Backfills backfills() {
    return backfills.backfills();
  }

  /** The nodes registered on this schema (read-only). */
  public Nodes nodes() {
    return nodes;
  }

  public Readiness readiness() {
    return readiness;
  }

  public MeterRegistry meters() {
    return node.meters();
  }

  /**
   * How this node writes and reads the application's values as JSON (see {@link
   * MillraceBuilder#jsonCodec}); for example, to read a job's stored result into your own type.
   */
  public JsonCodec jsonCodec() {
    return node.json();
  }

  public SchemaName schema() {
    return node.schema();
  }

  public String nodeId() {
    return settings.nodeId();
  }

  /**
   * Handler threads on this node still running past their attempt's deadline (they ignored the
   * interrupt; their attempts are already recorded as timed out). Also the gauge {@code
   * millrace.jobs.overrun.handlers}.
   */
  public int overrunHandlers() {
    return jobs.overrunHandlers();
  }

  /**
   * True while this node's LISTEN connection is up (false: it relies on polling alone, as with
   * {@code listen(false)}). Also the gauge {@code millrace.notifier.listening} and the {@code
   * notifier} check's {@code listening} detail in {@code /ready}.
   */
  public boolean isListening() {
    return node.notifier().listening();
  }

  /**
   * How many PostgreSQL connections this node uses, pooled and direct, from its settings; also the
   * gauge {@code millrace.connections.budget}. See {@link ConnectionBudget} for the formula.
   */
  public ConnectionBudget connectionBudget() {
    return settings.connectionBudget();
  }

  public boolean isLeader() {
    Membership m = membership;
    return m != null && m.isLeader();
  }

  /** Last error of each failing maintenance task (empty when all is well, or not the leader). */
  public Map<String, MaintenanceFailure> maintenanceFailures() {
    Membership m = membership;
    return m == null ? Map.of() : m.lastFailures();
  }

  /**
   * Fires, now, every periodic-job tick due as of {@code asOf} instead of the database's clock: for
   * tests that step through a schedule without waiting for it (millrace-test's {@code
   * advanceSchedules} calls it). Each tick is fired exactly once, by the leader's own rules (its
   * misfire policy, the compare-and-swap on the schedule's next fire time): a tick this call fires
   * is never fired again, by this call repeated or by the leader, and the schedule's next fire time
   * moves past {@code asOf}. Only registered schedules fire (a node registers its periodic jobs
   * when it starts); this node need not be started. Returns the number of jobs enqueued.
   *
   * <pre>{@code
   * int fired = millrace.firePeriodicJobs(Instant.now().plus(Duration.ofHours(1)));
   * }</pre>
   */
  public int firePeriodicJobs(Instant asOf) {
    if (asOf == null) {
      throw new io.millrace.base.ValidationException("asOf", "must not be null");
    }
    io.millrace.base.Storable.instant("asOf", asOf); // years 1-9999, as PostgreSQL stores them
    try {
      return jobs.firePeriodicJobs(asOf);
    } catch (java.sql.SQLException e) {
      throw new MillraceException("could not fire periodic jobs", e);
    }
  }

  /** Runs one maintenance tick now (tests and the CLI; the node also runs them on its timer). */
  public void runMaintenance() {
    Membership m = membership;
    if (m == null) {
      throw new IllegalStateException("not started");
    }
    m.tick();
  }

  /**
   * Graceful shutdown: stops claiming, lets running handlers finish within the configured shutdown
   * timeout, releases what is still running after it, flushes completions, hands over leadership
   * and deregisters the node.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (!started) {
      return;
    }
    long deadline = System.nanoTime() + settings.shutdownTimeout().toNanos();
    ScheduledExecutorService t = timer;
    Membership m = membership;
    if (t == null || m == null) {
      throw new IllegalStateException("started without a timer or membership");
    }
    t.shutdown();
    node.notifier().stop();
    for (int i = components.size() - 1; i >= 0; i--) {
      components.get(i).stop(deadline);
    }
    try {
      t.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    m.leave();
    log.info("Millrace node {} stopped", node.nodeId());
  }

  private Readiness.Status schemaStatus() {
    try {
      int applied = migrator.appliedVersion();
      if (applied >= SchemaMigrator.CURRENT_VERSION) {
        // Equal majors can still hide a newer dotted version (7.1): the full comparison decides.
        try {
          migrator.checkCompatible();
        } catch (MillraceException newer) {
          return Readiness.Status.notReady(
              "schema",
              java.util.Objects.requireNonNullElse(newer.getMessage(), newer.toString()),
              Map.of("applied", applied, "required", SchemaMigrator.CURRENT_VERSION));
        }
      }
      if (applied == SchemaMigrator.CURRENT_VERSION) {
        return Readiness.Status.ready(
            "schema", "schema " + node.schema() + " at version " + applied);
      }
      return Readiness.Status.notReady(
          "schema",
          "schema "
              + node.schema()
              + " is at version "
              + applied
              + ", this node needs "
              + SchemaMigrator.CURRENT_VERSION,
          Map.of("applied", applied, "required", SchemaMigrator.CURRENT_VERSION));
    } catch (RuntimeException e) {
      return Readiness.Status.notReady(
          "schema", "database unreachable: " + e.getMessage(), Map.of());
    }
  }

  static String hostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "unknown-host";
    }
  }
}
