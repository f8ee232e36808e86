package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.LongRange;

/**
 * A retry policy is valid exactly when its values are in range, names the field it refuses, and its
 * backoff never overflows: whatever the attempt number and however large the base, factor and cap,
 * the wait is between zero and the cap, and now + wait is a timestamp PostgreSQL can store.
 */
class RetryPolicyProperties {
  private static final long MAX_MS = Storable.MAX_DURATION.toMillis();

  @Property
  void maxAttemptsAreValidExactlyFromOneToTheLimit(@ForAll int maxAttempts) {
    boolean valid = maxAttempts >= 1 && maxAttempts <= JobRequest.MAX_ATTEMPTS_LIMIT;
    if (valid) {
      assertThat(RetryPolicy.DEFAULT.withMaxAttempts(maxAttempts).maxAttempts())
          .isEqualTo(maxAttempts);
    } else {
      assertThatThrownBy(() -> RetryPolicy.DEFAULT.withMaxAttempts(maxAttempts))
          .isInstanceOf(ValidationException.class)
          .extracting(e -> ((ValidationException) e).field())
          .isEqualTo("maxAttempts");
    }
  }

  @Property
  void aBackoffIsValidExactlyWhenItsValuesAreInRangeAndNamesTheFieldOtherwise(
      @ForAll("millis") long baseMs,
      @ForAll("millis") long maxMs,
      @ForAll("factors") double factor,
      @ForAll("fractions") double jitter) {
    String expected =
        baseMs < 0
            ? "backoff.base"
            : maxMs < baseMs
                ? "backoff.max"
                : maxMs > MAX_MS
                    ? "backoff.max"
                    : !(factor >= 1 && factor <= Backoff.MAX_FACTOR)
                        ? "backoff.factor"
                        : !(jitter >= 0 && jitter <= 1) ? "backoff.jitter" : null;
    if (expected == null) {
      Backoff b =
          Backoff.exponential(Duration.ofMillis(baseMs), factor, Duration.ofMillis(maxMs), jitter);
      assertThat(RetryPolicy.DEFAULT.withBackoff(b).backoff()).isEqualTo(b);
    } else {
      assertThatThrownBy(
              () ->
                  Backoff.exponential(
                      Duration.ofMillis(baseMs), factor, Duration.ofMillis(maxMs), jitter))
          .isInstanceOf(ValidationException.class)
          .extracting(e -> ((ValidationException) e).field())
          .isEqualTo(expected);
    }
  }

  @Property
  void theWaitNeverOverflowsAndStaysWithinTheCapAndPostgresTimestamps(
      @ForAll @LongRange(min = 0, max = 3_153_600_000_000L) long baseMs,
      @ForAll @LongRange(min = 0, max = 3_153_600_000_000L) long extraMs,
      @ForAll @DoubleRange(min = 1, max = 100) double factor,
      @ForAll @DoubleRange(min = 0, max = 1) double jitter,
      @ForAll("attempts") int attempt) {
    long maxMs = Math.min(baseMs + extraMs, MAX_MS);
    long base = Math.min(baseMs, maxMs);
    Backoff b =
        Backoff.exponential(Duration.ofMillis(base), factor, Duration.ofMillis(maxMs), jitter);
    long wait = b.delayAfter(attempt).toMillis();
    assertThat(wait).isBetween(0L, maxMs);
    // The cap is reached, then held: never a wrapped-around, negative or shrinking wait.
    double uncapped = base * Math.pow(factor, Math.max(attempt - 1, 0));
    double capped = base == 0 ? 0 : Math.min(uncapped, maxMs);
    assertThat(wait).isBetween((long) Math.floor(capped * (1 - jitter)) - 1, (long) capped);
    assertThat(Instant.now().plusMillis(wait)).isBefore(Storable.MAX_INSTANT);
  }

  @Property
  void aFixedBackoffWaitsItsDelayForEveryAttempt(
      @ForAll @LongRange(min = 0, max = 3_153_600_000_000L) long delayMs,
      @ForAll("attempts") int attempt) {
    assertThat(Backoff.fixed(Duration.ofMillis(delayMs)).delayAfter(attempt).toMillis())
        .isEqualTo(delayMs);
  }

  @Provide
  Arbitrary<Integer> attempts() {
    return Arbitraries.oneOf(
        Arbitraries.integers(),
        Arbitraries.of(Integer.MIN_VALUE, -1, 0, 1, 2, 1_000, Integer.MAX_VALUE));
  }

  @Provide
  Arbitrary<Long> millis() {
    return Arbitraries.oneOf(
        Arbitraries.longs().between(-1_000, 10_000),
        Arbitraries.longs().between(0, MAX_MS + 1_000),
        Arbitraries.of(0L, MAX_MS, MAX_MS + 1, Long.MAX_VALUE / 1_000_000, -1L));
  }

  @Provide
  Arbitrary<Double> factors() {
    return Arbitraries.oneOf(
        Arbitraries.doubles().between(-10, 200),
        Arbitraries.of(
            Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.999, 1.0, 100.0));
  }

  @Provide
  Arbitrary<Double> fractions() {
    return Arbitraries.oneOf(
        Arbitraries.doubles().between(-1, 2),
        Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY, 0.0, 1.0, -0.0));
  }

  @Example
  void aCauseCycleEndsTheSearch() {
    Exception a = new Exception("a");
    Exception b = new Exception("b");
    a.initCause(b);
    b.initCause(a);
    assertThat(RetryPolicy.DEFAULT.failsAtOnce(a)).isFalse();
    assertThat(RetryPolicy.DEFAULT.withNonRetryable(List.of()).failsAtOnce(null)).isFalse();
  }

  @Example
  void nonRetryableNeedsExceptionTypes() {
    assertThatThrownBy(() -> RetryPolicy.DEFAULT.withNonRetryable((List) List.of(String.class)))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("nonRetryable")
        .hasMessageContaining("java.lang.String");
    assertThatThrownBy(() -> new RetryPolicy(3, null, List.of()))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("backoff");
  }
}
