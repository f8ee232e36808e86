package io.millrace.jobs;

import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter: attempt n waits {@code base * 2^(n-1)}, capped at {@code max},
 * then scaled by a random factor in [1 - jitter, 1] so a burst of failures does not retry in
 * lock-step.
 *
 * @param base the wait after the first failed attempt (default 1 s)
 * @param max the longest wait (default 1 h)
 * @param jitter the fraction of the wait that is randomised, 0 to 1 (default 0.2)
 */
public record Backoff(Duration base, Duration max, double jitter) {
  public static final Backoff DEFAULT =
      new Backoff(Duration.ofSeconds(1), Duration.ofHours(1), 0.2);

  public Backoff {
    if (base == null || max == null) {
      throw new ValidationException("backoff", "needs a base and a max");
    }
    if (base.isNegative() || max.isNegative() || max.compareTo(base) < 0) {
      throw new ValidationException("backoff", "needs 0 <= base <= max");
    }
    // The wait becomes now() + wait in SQL: bounded like every other delay.
    Storable.duration("backoff.max", max);
    if (!(jitter >= 0 && jitter <= 1)) {
      throw new ValidationException("backoff", "jitter must be between 0 and 1");
    }
  }

  /** The wait before the attempt after {@code failedAttempt} (1-based). */
  public Duration delayAfter(int failedAttempt) {
    long baseMs = base.toMillis();
    int shift = Math.min(Math.max(failedAttempt - 1, 0), 40);
    long raw = baseMs > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : baseMs << shift;
    long capped = Math.min(raw, max.toMillis());
    double factor = 1 - jitter * ThreadLocalRandom.current().nextDouble();
    return Duration.ofMillis((long) (capped * factor));
  }
}
