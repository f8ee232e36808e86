package io.millrace.jobs;

import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The wait before a failed job's next attempt: attempt n waits {@code base * factor^(n-1)}, capped
 * at {@code max}, then scaled by a random factor in [1 - jitter, 1] so a burst of failures does not
 * retry in lock-step. {@link #fixed} waits the same every time.
 *
 * <p>The wait is computed in floating point and capped before it becomes a number of milliseconds,
 * so no attempt number and no factor overflows it: it is always between 0 and {@code max}, and
 * {@code max} is at most {@link Storable#MAX_DURATION}, so {@code now() + wait} stays within
 * PostgreSQL's timestamps. Waits are whole milliseconds.
 *
 * @param base the wait after the first failed attempt (default 1 s)
 * @param factor how much each further attempt multiplies the wait, 1 (constant) to {@value
 *     #MAX_FACTOR} (default 2)
 * @param max the longest wait (default 1 h)
 * @param jitter the fraction of the wait that is randomised, 0 to 1 (default 0.2)
 */
public record Backoff(Duration base, double factor, Duration max, double jitter) {
  /** The largest {@link #factor}: past it a second retry would already wait for the cap. */
  public static final double MAX_FACTOR = 100;

  /** 1 s doubling to 1 h, 20% jitter. */
  public static final Backoff DEFAULT =
      new Backoff(Duration.ofSeconds(1), 2, Duration.ofHours(1), 0.2);

  public Backoff {
    if (base == null || base.isNegative()) {
      throw new ValidationException("backoff.base", "must be zero or positive, got " + base);
    }
    if (max == null || max.compareTo(base) < 0) {
      throw new ValidationException(
          "backoff.max", "must be at least the base (" + base + "), got " + max);
    }
    // The wait becomes now() + wait in SQL: bounded like every other delay.
    Storable.duration("backoff.max", max);
    if (!(factor >= 1 && factor <= MAX_FACTOR)) {
      throw new ValidationException(
          "backoff.factor", "must be between 1 and " + (int) MAX_FACTOR + ", got " + factor);
    }
    if (!(jitter >= 0 && jitter <= 1)) {
      throw new ValidationException("backoff.jitter", "must be between 0 and 1, got " + jitter);
    }
  }

  /** Doubling from {@code base} to {@code max}, with {@code jitter}. */
  public Backoff(Duration base, Duration max, double jitter) {
    this(base, 2, max, jitter);
  }

  /** Multiplying by {@code factor} from {@code base} to {@code max}, with {@code jitter}. */
  public static Backoff exponential(Duration base, double factor, Duration max, double jitter) {
    return new Backoff(base, factor, max, jitter);
  }

  /** The same wait after every failed attempt, without jitter. */
  public static Backoff fixed(Duration delay) {
    return new Backoff(delay, 1, delay, 0);
  }

  /** The wait before the attempt after {@code failedAttempt} (1-based), between 0 and max. */
  public Duration delayAfter(int failedAttempt) {
    long maxMs = max.toMillis();
    long baseMs = base.toMillis();
    double capped;
    if (baseMs == 0) {
      capped = 0; // 0 * infinity would be NaN
    } else {
      // At most MAX_FACTOR^(attempt - 1): infinite for large attempts, which the cap absorbs.
      double raw = baseMs * Math.pow(factor, Math.max(failedAttempt - 1, 0));
      capped = raw < maxMs ? raw : maxMs;
    }
    double scale = 1 - jitter * ThreadLocalRandom.current().nextDouble();
    return Duration.ofMillis((long) (capped * scale));
  }
}
