package io.millrace.jobs;

import io.millrace.base.ValidationException;
import java.time.ZoneId;
import java.util.Objects;

/**
 * A job enqueued on a schedule, exactly once per tick across the cluster. Every node should
 * register the same periodic jobs; the leader fires them. Each fired job carries the tags {@code
 * periodic:<name>} and {@code tick:<instant>}.
 *
 * @param name unique among periodic jobs; the schedule's identity in the database
 * @param template kind, args, queue, priority and max attempts of each fired job
 */
public record PeriodicJob(
    String name, Schedule schedule, JobRequest template, MisfirePolicy misfire) {
  public PeriodicJob {
    JobRequest.requireName("name", name);
    Objects.requireNonNull(schedule, "schedule");
    if (template == null) {
      throw new ValidationException("template", "a periodic job needs a job to enqueue");
    }
    if (misfire == null) {
      misfire = MisfirePolicy.FIRE_ONCE;
    }
  }

  public static PeriodicJob of(String name, Schedule schedule, JobRequest template) {
    return new PeriodicJob(name, schedule, template, MisfirePolicy.FIRE_ONCE);
  }

  /**
   * This periodic job with its cron schedule evaluated in {@code zone} (an IANA name such as {@code
   * ZoneId.of("Europe/Berlin")}); UTC when never set. See {@link Schedule} for daylight-saving
   * changes.
   */
  public PeriodicJob inZone(ZoneId zone) {
    if (zone == null) {
      throw new ValidationException("zone", "must not be null");
    }
    return new PeriodicJob(name, schedule.inZone(zone), template, misfire);
  }
}
