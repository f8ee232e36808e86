package io.millrace;

import io.micrometer.core.instrument.MeterRegistry;
import io.millrace.base.JsonCodec;
import io.millrace.jobs.HandlerBinding;
import io.millrace.jobs.JobState;
import io.millrace.jobs.JobsOptions;
import io.millrace.jobs.PeriodicJob;
import io.millrace.jobs.RetryPolicy;
import io.millrace.jobs.WorkerSettings;
import io.millrace.schema.SchemaName;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Everything a node was built with ({@code directDataSource} null: session connections come from
 * {@code dataSource}); see {@link MillraceBuilder} for each setting's meaning and default.
 */
record MillraceSettings(
    javax.sql.DataSource dataSource,
    SchemaName schema,
    String nodeId,
    Map<String, Integer> queues,
    List<HandlerBinding<?>> handlers,
    Set<String> externalKinds,
    List<PeriodicJob> periodicJobs,
    Duration lease,
    Duration heartbeat,
    Duration rescueGrace,
    Duration pollInterval,
    int fetchBatch,
    int prefetch,
    int completionBatch,
    Duration completionLinger,
    RetryPolicy retryPolicy,
    Map<String, RetryPolicy> retryPolicies,
    boolean listen,
    boolean vacuumHotTable,
    Duration maintenanceInterval,
    Duration housekeepingInterval,
    Duration nodeSilence,
    Map<JobState, Duration> retention,
    int maxArgsBytes,
    Duration misfireThreshold,
    Duration orphanedScheduleAfter,
    Duration shutdownTimeout,
    Duration countsRefreshInterval,
    @Nullable MeterRegistry meterRegistry,
    JsonCodec jsonCodec,
    io.millrace.workflows.WorkflowOptions workflowOptions,
    List<io.millrace.backfills.Backfill> backfills,
    List<io.millrace.projections.Projection> projections,
    @Nullable OpenTelemetry openTelemetryGiven,
    javax.sql.@Nullable DataSource directDataSource) {

  /**
   * The OpenTelemetry the builder was given, else GlobalOpenTelemetry's as of this call (made when
   * workers start, so an application that sets the global at start-up has done so by then).
   */
  OpenTelemetry openTelemetry() {
    return openTelemetryGiven != null ? openTelemetryGiven : GlobalOpenTelemetry.get();
  }

  /**
   * How many connections a node with these settings uses; see {@link
   * io.millrace.cluster.ConnectionBudget}.
   */
  io.millrace.cluster.ConnectionBudget connectionBudget() {
    boolean works = !queues.isEmpty();
    // Workflow dispatch runs on what the notifier hears: with listen off the reconciler does it
    // all.
    boolean dispatch = workflowOptions.dispatch() && listen;
    boolean subscribes = works || dispatch || !projections.isEmpty();
    int direct = 1 + (listen && subscribes ? 1 : 0);
    // The maintenance thread, and the leader's vacuum thread (on every node: any may lead).
    int pooled = 1 + (vacuumHotTable ? 1 : 0);
    if (works) {
      pooled += queues.values().stream().mapToInt(Integer::intValue).sum() + queues.size() + 3;
    }
    if (dispatch) {
      pooled += io.millrace.workflows.WorkflowsComponent.DISPATCH_THREADS;
    }
    if (!backfills.isEmpty()) {
      pooled += 1 + 2 * backfills.size();
    }
    pooled += projections.size();
    return new io.millrace.cluster.ConnectionBudget(pooled, direct);
  }

  JobsOptions jobsOptions() {
    return new JobsOptions(
        workerSettings(),
        handlers,
        externalKinds,
        periodicJobs,
        rescueGrace,
        retention,
        maxArgsBytes,
        misfireThreshold,
        orphanedScheduleAfter,
        retryPolicy,
        retryPolicies,
        vacuumHotTable);
  }

  WorkerSettings workerSettings() {
    return new WorkerSettings(
        nodeId,
        queues,
        lease,
        heartbeat,
        pollInterval,
        fetchBatch,
        prefetch,
        completionBatch,
        completionLinger,
        listen);
  }
}
