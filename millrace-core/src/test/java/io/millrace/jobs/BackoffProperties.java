package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

class BackoffProperties {
  @Property
  void delayStaysWithinJitterOfTheCappedExponential(
      @ForAll @LongRange(min = 0, max = 60_000) long baseMs,
      @ForAll @LongRange(min = 0, max = 86_400_000) long extraMs,
      @ForAll @DoubleRange(min = 0, max = 1) double jitter,
      @ForAll @IntRange(min = 1, max = 1_000) int attempt) {
    Backoff backoff =
        new Backoff(Duration.ofMillis(baseMs), Duration.ofMillis(baseMs + extraMs), jitter);
    long delay = backoff.delayAfter(attempt).toMillis();
    double uncapped = baseMs * Math.pow(2, Math.min(attempt - 1, 40));
    long capped = (long) Math.min(uncapped, baseMs + extraMs);
    assertThat(delay).isBetween((long) Math.floor(capped * (1 - jitter)) - 1, capped);
  }

  @Property
  void withoutJitterEachDelayDoublesUntilTheCap(@ForAll @IntRange(min = 1, max = 60) int attempt) {
    Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofMinutes(10), 0);
    long next = backoff.delayAfter(attempt + 1).toMillis();
    long current = backoff.delayAfter(attempt).toMillis();
    assertThat(next).isEqualTo(Math.min(current * 2, Duration.ofMinutes(10).toMillis()));
  }
}
