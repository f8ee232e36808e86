package io.millrace;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.millrace.backfills.BackfillWorker;
import io.millrace.backfills.Backfills;
import io.millrace.base.MillraceException;
import io.millrace.cluster.LeaderElector;
import io.millrace.cluster.MaintenanceLoop;
import io.millrace.cluster.NodeRegistry;
import io.millrace.counts.Counts;
import io.millrace.counts.CountsMetrics;
import io.millrace.counts.CountsReport;
import io.millrace.counts.QueueCounts;
import io.millrace.counts.QueueOverview;
import io.millrace.health.Readiness;
import io.millrace.jobs.EnqueueResult;
import io.millrace.jobs.Enqueuer;
import io.millrace.jobs.HandlerRegistry;
import io.millrace.jobs.HistoryRetention;
import io.millrace.jobs.JobAdmin;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.PeriodicJobs;
import io.millrace.jobs.Rescuer;
import io.millrace.jobs.Workers;
import io.millrace.projections.EventStore;
import io.millrace.projections.Projections;
import io.millrace.schema.SchemaMigrator;
import io.millrace.schema.SchemaName;
import java.sql.Connection;
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
  private final DataSource dataSource;
  private final SchemaName schema;
  private final Enqueuer enqueuer;
  private final JobAdmin admin;
  private final Counts counts;
  private final io.millrace.workflows.Workflows workflows;
  private final NodeRegistry nodes;
  private final SchemaMigrator migrator;
  private final Readiness readiness = new Readiness();
  private final MeterRegistry meters;
  private final Backfills backfills;
  // Null until start(), and stay null for a node that runs no backfills / no queues.
  private @Nullable BackfillWorker backfillWorker;
  private final Projections projections;
  private @Nullable Workers workers;
  // Null until start().
  private @Nullable MaintenanceLoop maintenance;
  private @Nullable LeaderElector elector;
  private @Nullable ScheduledExecutorService timer;
  private volatile boolean started;
  private volatile boolean closed;

  Millrace(MillraceSettings settings) {
    this.settings = settings;
    this.dataSource = settings.dataSource();
    this.schema = settings.schema();
    this.meters =
        settings.meterRegistry() == null ? new SimpleMeterRegistry() : settings.meterRegistry();
    HandlerRegistry handlers = settings.handlers();
    java.util.function.Predicate<String> kindAccepted =
        kind ->
            handlers.isEmpty()
                || handlers.get(kind) != null
                || settings.externalKinds().contains(kind);
    this.enqueuer = new Enqueuer(dataSource, schema, settings.maxArgsBytes(), kindAccepted);
    this.admin = new JobAdmin(dataSource, schema);
    this.counts = new Counts(dataSource, schema);
    this.workflows =
        new io.millrace.workflows.Workflows(
            dataSource,
            schema,
            settings.maxArgsBytes(),
            kindAccepted,
            settings.workflowOptions(),
            meters);
    this.nodes = new NodeRegistry(dataSource, schema);
    this.migrator = new SchemaMigrator(dataSource, schema);
    readiness.add(this::schemaStatus);
    this.backfills = new Backfills(dataSource, schema, settings.backfills());
    if (settings.backfills().stream().anyMatch(io.millrace.backfills.Backfill::blocking)) {
      readiness.add(backfills.readinessCheck());
    }
    this.projections =
        new Projections(
            dataSource,
            schema,
            settings.nodeId(),
            settings.projections(),
            settings.lease(),
            settings.pollInterval(),
            settings.listen(),
            meters);
    projections.readinessChecks().forEach(readiness::add);
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
   * Joins the cluster and starts working. Refuses to start unless the schema is at exactly the
   * version this build knows (run {@link #migrate()} first; a newer schema means a newer Millrace
   * migrated it and this node must be upgraded).
   */
  public synchronized void start() {
    if (started) {
      throw new IllegalStateException("already started");
    }
    migrator.checkCompatible();
    String nodeId = settings.nodeId();
    List<String> queues = new ArrayList<>(settings.queues().keySet());
    List<String> kinds = new ArrayList<>(settings.handlers().kinds());
    MaintenanceLoop.NodeIdentity identity =
        new MaintenanceLoop.NodeIdentity(hostName(), ProcessHandle.current().pid(), queues, kinds);
    try {
      nodes.register(nodeId, identity.host(), identity.pid(), queues, kinds);
    } catch (java.sql.SQLException e) {
      throw new MillraceException("node " + nodeId + " could not register: " + e.getMessage(), e);
    }
    PeriodicJobs periodic = new PeriodicJobs(dataSource, schema, settings.misfireThreshold());
    if (!settings.periodicJobs().isEmpty()) {
      periodic.register(settings.periodicJobs());
    }
    Rescuer rescuer = new Rescuer(dataSource, schema, settings.rescueGrace());
    HistoryRetention retention = new HistoryRetention(dataSource, schema, settings.retention());
    // Before any job can finish: a day's rows that land in a default partition keep that day from
    // getting its own partition, and then leave only by row-by-row deletes.
    try {
      retention.ensurePartitions(Instant.now());
    } catch (java.sql.SQLException e) {
      log.warn(
          "could not create history partitions at start-up (the leader retries): {}",
          e.getMessage());
    }
    elector = new LeaderElector(dataSource, schema, nodeId);
    maintenance =
        new MaintenanceLoop(
            nodeId,
            identity,
            nodes,
            elector,
            List.of(
                // Completions win over rescue: a leader that has just taken over (after an outage,
                // every lease has expired) gives nodes the grace to renew what they still hold.
                new MaintenanceLoop.Task("rescue", rescuer::rescue, settings.rescueGrace()),
                new MaintenanceLoop.Task("periodic-jobs", periodic::fireDue),
                new MaintenanceLoop.Task("workflow-reconciler", workflows::reconcile)),
            List.of(
                new MaintenanceLoop.Task(
                    "history-partitions", () -> retention.ensurePartitions(Instant.now())),
                new MaintenanceLoop.Task(
                    "history-retention", () -> retention.enforce(Instant.now())),
                new MaintenanceLoop.Task("prune-nodes", () -> nodes.prune(settings.nodeSilence())),
                new MaintenanceLoop.Task("workflow-retention", workflows::prune)),
            settings.housekeepingInterval(),
            meters);
    if (!settings.queues().isEmpty()) {
      workers =
          new Workers(dataSource, schema, settings.handlers(), settings.workerSettings(), meters);
      workers.start();
    }
    workflows.start();
    if (!settings.backfills().isEmpty()) {
      backfillWorker =
          new BackfillWorker(
              dataSource,
              schema,
              nodeId,
              settings.backfills(),
              settings.lease(),
              settings.pollInterval(),
              meters);
      backfillWorker.start();
    }
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "millrace-maintenance");
              t.setDaemon(true);
              return t;
            });
    long every = settings.maintenanceInterval().toMillis();
    timer.scheduleWithFixedDelay(maintenance, 0, every, TimeUnit.MILLISECONDS);
    CountsMetrics countsMetrics = new CountsMetrics(counts, meters);
    long refresh = settings.countsRefreshInterval().toMillis();
    timer.scheduleWithFixedDelay(
        () -> {
          try {
            countsMetrics.refresh();
          } catch (RuntimeException e) {
            log.warn("refreshing queue count gauges failed: {}", e.getMessage());
          }
        },
        0,
        refresh,
        TimeUnit.MILLISECONDS);
    // Asynchronous: the catch-up runs in the background, so a server binds at once.
    projections.start();
    started = true;
    log.info(
        "Millrace node {} started on schema {} (queues {}, {} handlers)",
        nodeId,
        schema,
        queues,
        kinds.size());
  }

  /** Enqueues one job in a transaction of its own. */
  public EnqueueResult enqueue(JobRequest request) {
    return enqueuer.enqueue(List.of(request)).get(0);
  }

  /** Enqueues one job inside the caller's transaction: it exists only if the caller commits. */
  public EnqueueResult enqueue(Connection connection, JobRequest request) {
    return enqueuer.enqueue(connection, List.of(request)).get(0);
  }

  /** Enqueues many jobs in one statement and one transaction; results are in request order. */
  public List<EnqueueResult> enqueueAll(List<JobRequest> requests) {
    return enqueuer.enqueue(requests);
  }

  /** Enqueues many jobs in one statement inside the caller's transaction. */
  public List<EnqueueResult> enqueueAll(Connection connection, List<JobRequest> requests) {
    return enqueuer.enqueue(connection, requests);
  }

  /** The event log: append (standalone or in your transaction), read a stream, read everything. */
  public EventStore events() {
    return projections.events();
  }

  /** Projections: status, retry, rebuild, the query guard's status and document reads. */
  public Projections projections() {
    return projections;
  }

  public JobAdmin admin() {
    return admin;
  }

  /** Submit, read and cancel workflows (jobs that depend on jobs). */
  public io.millrace.workflows.Workflows workflows() {
    return workflows;
  }

  /** Exact and fast queue counts, counter verification and rebuild. */
  public Counts counts() {
    return counts;
  }

  /**
   * Every queue (with jobs, finished jobs or a pause) with its counts and pause flag.
   *
   * @param exact an exact read, or the cheapest one (see {@link Counts#fast})
   */
  public QueueOverview queues(boolean exact) {
    java.util.Set<String> paused = admin.pausedQueues();
    CountsReport report = exact ? counts.exact(List.of()) : counts.fast(List.of());
    java.util.Map<String, QueueCounts> byName = new java.util.TreeMap<>();
    report.queues().forEach(q -> byName.put(q.queue(), q));
    paused.forEach(name -> byName.computeIfAbsent(name, n -> QueueCounts.empty(n)));
    List<QueueOverview.Queue> queues =
        byName.values().stream()
            .map(q -> new QueueOverview.Queue(q.queue(), paused.contains(q.queue()), q))
            .toList();
    return new QueueOverview(queues, report.fromCounters(), report.exact());
  }

  /** Backfills: status, pause/resume/cancel/retry, {@code isFinished} and {@code awaitFinished}. */
  public Backfills backfills() {
    return backfills;
  }

  public NodeRegistry nodes() {
    return nodes;
  }

  public Readiness readiness() {
    return readiness;
  }

  public MeterRegistry meters() {
    return meters;
  }

  public SchemaName schema() {
    return schema;
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
    return workers == null ? 0 : workers.overrunHandlers();
  }

  /** True while this node's LISTEN connection is up (false: it relies on polling alone). */
  public boolean isListening() {
    return workers != null && workers.listening();
  }

  public boolean isLeader() {
    return maintenance != null && maintenance.isLeader();
  }

  /** Last error of each failing maintenance task (empty when all is well, or not the leader). */
  public Map<String, MaintenanceLoop.Failure> maintenanceFailures() {
    return maintenance == null ? Map.of() : maintenance.lastFailures();
  }

  /** Runs one maintenance tick now (tests and the CLI; the node also runs them on its timer). */
  public void runMaintenance() {
    if (maintenance == null) {
      throw new IllegalStateException("not started");
    }
    maintenance.tick();
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
    projections.close();
    if (timer != null) {
      timer.shutdown();
    }
    if (workers != null) {
      workers.stop(deadline);
    }
    if (backfillWorker != null) {
      backfillWorker.stop(java.time.Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }
    try {
      if (timer != null) {
        timer.awaitTermination(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    workflows.stop();
    if (elector != null) {
      elector.resign();
    }
    try {
      nodes.deregister(settings.nodeId());
    } catch (java.sql.SQLException e) {
      log.warn(
          "node {} could not deregister (the leader will prune it): {}",
          settings.nodeId(),
          e.getMessage());
    }
    log.info("Millrace node {} stopped", settings.nodeId());
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
        return Readiness.Status.ready("schema", "schema " + schema + " at version " + applied);
      }
      return Readiness.Status.notReady(
          "schema",
          "schema "
              + schema
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
