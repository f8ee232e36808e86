package io.millrace.jobs;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A periodic job's schedule as operators see it (see {@link Schedules}).
 *
 * @param name the periodic job's name
 * @param schedule the stored schedule: {@code cron:<expression>} or {@code every:<ISO duration>}
 * @param zone the IANA time zone a cron schedule is evaluated in ({@code UTC} by default)
 * @param kind kind of the jobs it enqueues
 * @param queue queue of the jobs it enqueues
 * @param misfire what it does about ticks missed by more than the misfire threshold
 * @param paused an operator paused it: it fires nothing until resumed
 * @param orphaned no live node has registered it within the orphan bound
 * @param firesWhenOrphaned an operator resumed it while orphaned, so it fires anyway
 * @param firing whether the leader fires its ticks now: not paused, and registered or resumed
 * @param registeredBy the nodes whose registration of it is fresh, by id
 * @param lastRegisteredAt the newest registration by any node still known, or null
 * @param nextFireTimes its next five ticks, the first the one the leader fires next (in the past
 *     when it is due, or while it does not fire)
 * @param lastFiredAt when its last tick or trigger enqueued a job, or null
 * @param lastJobId the job its last tick or trigger enqueued, or null
 * @param lastOutcome that job's state now, or null (none yet, or removed by history retention)
 * @param triggers how many times operators triggered it by hand
 */
public record ScheduleStatus(
    String name,
    String schedule,
    String zone,
    String kind,
    String queue,
    MisfirePolicy misfire,
    boolean paused,
    boolean orphaned,
    boolean firesWhenOrphaned,
    boolean firing,
    List<String> registeredBy,
    @Nullable Instant lastRegisteredAt,
    List<Instant> nextFireTimes,
    @Nullable Instant lastFiredAt,
    @Nullable Long lastJobId,
    @Nullable JobState lastOutcome,
    long triggers) {
  public ScheduleStatus {
    registeredBy = List.copyOf(registeredBy);
    nextFireTimes = List.copyOf(nextFireTimes);
  }
}
