package io.millrace.jobs;

import io.millrace.internal.cluster.Component;
import io.millrace.internal.cluster.NodeContext;
import io.millrace.internal.cluster.Task;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs capability of one node: enqueue and administration from the moment it is built; once
 * started, the workers of its queues; on the leader, rescue of expired leases, periodic jobs, the
 * hot table's vacuum, and history partitions and retention.
 */
public final class JobsComponent implements Component {
  private static final Logger log = LoggerFactory.getLogger(JobsComponent.class);

  private final NodeContext node;
  private final JobsOptions options;
  private final HandlerRegistry handlers;
  private final RetryPolicies retries;
  private final Enqueuer enqueuer;
  private final JobAdmin admin;
  private final PeriodicJobs periodic;
  private final Schedules schedules;
  private final Rescuer rescuer;
  private final HistoryRetention retention;
  private final @Nullable HotTableVacuum vacuum;
  // Null until start(), and stays null on a node with nothing for it to run.
  private volatile @Nullable Workers workers;

  public JobsComponent(NodeContext node, JobsOptions options) {
    this.node = node;
    this.options = options;
    this.handlers = new HandlerRegistry(options.handlers());
    this.retries = new RetryPolicies(options.retryPolicy(), options.retryPolicies());
    this.enqueuer =
        new Enqueuer(
            node.dataSource(),
            node.schema(),
            options.maxArgsBytes(),
            this::acceptsKind,
            retries::maxAttempts,
            node.json());
    this.admin = new JobAdmin(node.dataSource(), node.schema());
    this.periodic =
        new PeriodicJobs(
            node.dataSource(),
            node.schema(),
            options.misfireThreshold(),
            retries::maxAttempts,
            node.json(),
            node.nodeId(),
            options.orphanedScheduleAfter());
    this.schedules =
        new Schedules(
            node.dataSource(), node.schema(), node.json(), admin, options.orphanedScheduleAfter());
    this.rescuer = new Rescuer(node.dataSource(), node.schema(), options.rescueGrace());
    this.retention = new HistoryRetention(node.dataSource(), node.schema(), options.retention());
    this.vacuum =
        options.vacuumHotTable()
            ? new HotTableVacuum(
                node.dataSource(), node.schema(), new VacuumPolicy(), node.meters())
            : null;
  }

  /**
   * Whether this node may enqueue {@code kind}: a node that runs handlers accepts only their kinds
   * and the declared external ones (a typo fails at enqueue, not as a job nobody runs); a node
   * without handlers is a client and accepts any kind.
   */
  public boolean acceptsKind(String kind) {
    return handlers.isEmpty()
        || handlers.get(kind) != null
        || options.externalKinds().contains(kind);
  }

  /**
   * The max attempts {@code request} is stored with: its own when set, otherwise its kind's retry
   * policy's (for workflow steps, which are enqueued by the workflows capability).
   */
  public int maxAttempts(JobRequest request) {
    return retries.maxAttempts(request);
  }

  /** The kinds this node runs. */
  public List<String> kinds() {
    return List.copyOf(handlers.kinds());
  }

  /**
   * Enqueues in a transaction of its own. Once it has committed, this node's claim loops for the
   * queues of the jobs due now are woken here, without waiting for PostgreSQL's notification: under
   * load that arrives milliseconds to tens of milliseconds later (see {@link QueueWorker}). Other
   * nodes still learn from the notification. Jobs enqueued in the caller's transaction wait for it:
   * only the caller knows when that commits.
   */
  public List<EnqueueResult> enqueue(List<JobRequest> requests) {
    List<EnqueueResult> results = enqueuer.enqueue(requests);
    Workers w = workers;
    if (w != null) {
      w.enqueuedHere(requests);
    }
    return results;
  }

  public List<EnqueueResult> enqueue(Connection connection, List<JobRequest> requests) {
    return enqueuer.enqueue(connection, requests);
  }

  public JobAdmin admin() {
    return admin;
  }

  /** List, show, pause, resume, trigger and delete periodic jobs' schedules. */
  public Schedules schedules() {
    return schedules;
  }

  /** Fires the periodic-job ticks due as of {@code asOf}; see {@code Millrace.firePeriodicJobs}. */
  public int firePeriodicJobs(Instant asOf) throws SQLException {
    return periodic.fireDue(asOf);
  }

  /** Handler threads still running past their attempt's deadline. */
  public int overrunHandlers() {
    Workers w = workers;
    return w == null ? 0 : w.overrunHandlers();
  }

  /** True while this node's LISTEN connection is up. */
  public boolean listening() {
    Workers w = workers;
    return w != null && w.listening();
  }

  @Override
  public void start(ScheduledExecutorService timer) {
    if (!options.periodicJobs().isEmpty()) {
      periodic.register(options.periodicJobs());
      // Four refreshes per orphan bound: a node's schedules stay registered through a missed one.
      List<String> names = options.periodicJobs().stream().map(PeriodicJob::name).toList();
      long every = Math.max(1, options.orphanedScheduleAfter().toMillis() / 4);
      timer.scheduleWithFixedDelay(
          () -> {
            try {
              periodic.refresh(names);
            } catch (SQLException | RuntimeException e) {
              log.warn(
                  "could not refresh this node's periodic-job registrations: {}", e.getMessage());
            }
          },
          every,
          every,
          java.util.concurrent.TimeUnit.MILLISECONDS);
    }
    // Before any job can finish: a day's rows that land in a default partition keep that day from
    // getting its own partition, and then leave only by row-by-row deletes.
    try {
      retention.ensurePartitions(Instant.now());
    } catch (SQLException e) {
      log.warn(
          "could not create history partitions at start-up (the leader retries): {}",
          e.getMessage());
    }
    if (!options.workers().queues().isEmpty()) {
      Workers started =
          new Workers(
              node.dataSource(),
              node.notifier(),
              node.schema(),
              handlers,
              retries,
              options.workers(),
              node.meters(),
              node.json(),
              node.openTelemetry().get());
      started.start();
      workers = started;
    }
  }

  @Override
  public void stop(long deadlineNanos) {
    Workers w = workers;
    if (w != null) {
      w.stop(deadlineNanos);
    }
    HotTableVacuum v = vacuum;
    if (v != null) {
      v.stop();
    }
    if (!options.periodicJobs().isEmpty()) {
      try {
        periodic.deregister();
      } catch (SQLException e) {
        log.warn(
            "could not remove this node's periodic-job registrations (they age out): {}",
            e.getMessage());
      }
    }
  }

  @Override
  public List<Task> leaderTasks() {
    List<Task> tasks = new ArrayList<>();
    // Completions win over rescue: a leader that has just taken over (after an outage, every lease
    // has expired) gives nodes the grace to renew what they still hold.
    tasks.add(new Task("rescue", rescuer::rescue, options.rescueGrace()));
    tasks.add(new Task("periodic-jobs", periodic::fireDue));
    HotTableVacuum v = vacuum;
    if (v != null) {
      tasks.add(new Task(HotTableVacuum.TASK, v::tick));
    }
    return List.copyOf(tasks);
  }

  @Override
  public List<Task> housekeeping() {
    return List.of(
        new Task("history-partitions", () -> retention.ensurePartitions(Instant.now())),
        new Task("history-retention", () -> retention.enforce(Instant.now())),
        new Task("schedule-registrations", periodic::pruneRegistrations));
  }
}
