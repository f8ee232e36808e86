package io.millrace.jobs;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.millrace.base.ValidationException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A queue's cluster-wide flow control: at most {@code maxRunning} of its jobs running at once
 * across every node, and at most {@code rateLimit} starts in any window of {@code ratePeriod}. A
 * null field is no such limit; {@link #NONE} is none at all. Set at run time with {@link
 * JobAdmin#setLimits}; every node obeys the change from its next claim, without a restart.
 *
 * <p>Jobs beyond a limit stay available: they are not failed, and no attempt is counted. A job
 * counts as running from its claim (including the few a node claims ahead of its free handler
 * threads; a node claims none ahead on a limited queue) until its attempt ends.
 *
 * @param maxRunning at most this many running at once (1 or more), or null
 * @param rateLimit at most this many starts per {@code ratePeriod} (1 or more), or null
 * @param ratePeriod the window of {@code rateLimit}: 1 ms to 1 day, whole milliseconds; set exactly
 *     when {@code rateLimit} is
 */
public record QueueLimits(
    @Nullable Integer maxRunning,
    @Nullable Integer rateLimit,
    @JsonIgnore @Nullable Duration ratePeriod) {
  /** No limit: the queue is claimed as fast as its nodes' handler threads allow. */
  public static final QueueLimits NONE = new QueueLimits(null, null, null);

  static final Duration MAX_RATE_PERIOD = Duration.ofDays(1);

  public QueueLimits {
    if (maxRunning != null && maxRunning < 1) {
      throw new ValidationException("maxRunning", "must be 1 or more, got " + maxRunning);
    }
    if (rateLimit != null && rateLimit < 1) {
      throw new ValidationException("rateLimit", "must be 1 or more, got " + rateLimit);
    }
    if ((rateLimit == null) != (ratePeriod == null)) {
      throw new ValidationException(
          rateLimit == null ? "rateLimit" : "ratePeriod",
          "a rate limit needs both rateLimit and ratePeriod");
    }
    if (ratePeriod != null) {
      if (ratePeriod.compareTo(Duration.ofMillis(1)) < 0
          || ratePeriod.compareTo(MAX_RATE_PERIOD) > 0) {
        throw new ValidationException(
            "ratePeriod", "must be between 1 ms and 1 day, got " + ratePeriod);
      }
      if (!ratePeriod.equals(Duration.ofMillis(ratePeriod.toMillis()))) {
        throw new ValidationException(
            "ratePeriod", "must be whole milliseconds, got " + ratePeriod);
      }
    }
  }

  /** At most {@code maxRunning} running at once across the cluster; no rate limit. */
  public static QueueLimits maxRunning(int maxRunning) {
    return new QueueLimits(maxRunning, null, null);
  }

  /** At most {@code starts} starts in any window of {@code period}; no concurrency limit. */
  public static QueueLimits rate(int starts, Duration period) {
    return new QueueLimits(null, starts, period);
  }

  /** These limits with the concurrency limit replaced ({@code null}: none). */
  public QueueLimits withMaxRunning(@Nullable Integer maxRunning) {
    return new QueueLimits(maxRunning, rateLimit, ratePeriod);
  }

  /** These limits with the rate limit replaced (both null: none). */
  public QueueLimits withRate(@Nullable Integer starts, @Nullable Duration period) {
    return new QueueLimits(maxRunning, starts, period);
  }

  /** {@code ratePeriod} in milliseconds, as JSON carries it; null without a rate limit. */
  @JsonProperty("ratePeriodMs")
  public @Nullable Long ratePeriodMs() {
    return ratePeriod == null ? null : ratePeriod.toMillis();
  }

  /** Whether any limit is set. */
  @JsonProperty("limited")
  public boolean limited() {
    return maxRunning != null || rateLimit != null;
  }
}
