package io.millrace.jobs;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything the jobs capability of one node is built with; {@code MillraceBuilder} documents each
 * setting and its default.
 *
 * @param externalKinds kinds this node may enqueue although another service runs them
 * @param rescueGrace how long past a lease's expiry the leader waits before rescuing the job
 * @param retention how long finished jobs are kept, per terminal state
 * @param maxArgsBytes the largest args document accepted at enqueue
 * @param misfireThreshold how late a periodic tick may fire before its misfire policy applies
 * @param orphanedScheduleAfter how long a schedule may go unregistered by any live node before the
 *     leader stops firing it
 * @param retryPolicy the retry policy of kinds without their own
 * @param retryPolicies the retry policies of kinds that have their own
 * @param vacuumHotTable whether the leader vacuums the jobs table itself ({@link HotTableVacuum})
 */
public record JobsOptions(
    WorkerSettings workers,
    List<HandlerBinding<?>> handlers,
    Set<String> externalKinds,
    List<PeriodicJob> periodicJobs,
    Duration rescueGrace,
    Map<JobState, Duration> retention,
    int maxArgsBytes,
    Duration misfireThreshold,
    Duration orphanedScheduleAfter,
    RetryPolicy retryPolicy,
    Map<String, RetryPolicy> retryPolicies,
    boolean vacuumHotTable) {
  public JobsOptions {
    retryPolicies = Map.copyOf(retryPolicies);
    handlers = List.copyOf(handlers);
    externalKinds = Set.copyOf(externalKinds);
    periodicJobs = List.copyOf(periodicJobs);
    retention = Map.copyOf(retention);
  }
}
