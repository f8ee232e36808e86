package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;

/**
 * The leader's vacuum policy over generated histories of statistics readings and passes (how long
 * each took, what it left): it never asks for a pass below the threshold, never for more than a
 * fifth of the time, and while a long transaction holds dead rows back, only once per retry
 * interval.
 */
class VacuumPolicyProperties {
  private static final long MIN_DEAD = 1_000;
  private static final Duration RETRY = Duration.ofSeconds(10);

  /** One maintenance tick: time since the last one, the reading, and how a pass would go. */
  record Tick(long advanceMs, long dead, long live, long passMs, int leftPercent) {}

  @Provide
  Arbitrary<List<Tick>> histories() {
    Arbitrary<Tick> tick =
        Combinators.combine(
                Arbitraries.longs().between(0, 15_000),
                Arbitraries.longs().between(0, 2_000_000),
                Arbitraries.longs().between(0, 5_000_000),
                Arbitraries.longs().between(0, 30_000),
                Arbitraries.integers().between(0, 100))
            .as(Tick::new);
    return tick.list().ofMinSize(1).ofMaxSize(60);
  }

  @Property
  void passesStayAboveTheThresholdAndWithinAFifthOfTheTime(
      @ForAll("histories") List<Tick> history) {
    VacuumPolicy policy = new VacuumPolicy(MIN_DEAD, RETRY);
    long now = 0;
    long busyMs = 0;
    long firstStart = -1;
    long lastEnd = Long.MIN_VALUE;
    long lastLength = 0;
    boolean lastHeldBack = false;
    for (Tick t : history) {
      now += ms(t.advanceMs());
      if (!policy.due(t.dead(), t.live(), now)) {
        continue;
      }
      assertThat(t.dead()).isGreaterThanOrEqualTo(policy.threshold(t.live()));
      if (lastEnd != Long.MIN_VALUE) {
        assertThat(now - lastEnd).isGreaterThanOrEqualTo(VacuumPolicy.IDLE_FACTOR * lastLength);
        if (lastHeldBack) {
          assertThat(now - lastEnd).isGreaterThanOrEqualTo(RETRY.toNanos());
        }
      }
      if (firstStart < 0) {
        firstStart = now;
      }
      long start = now;
      now += ms(t.passMs());
      long left = t.dead() * t.leftPercent() / 100;
      policy.passed(t.dead(), left, start, now);
      busyMs += t.passMs();
      lastEnd = now;
      lastLength = now - start;
      lastHeldBack = left > t.dead() / 2;
      // Duty cycle: every pass but the last is followed by at least four times its length idle.
      long elapsedMs = (now - firstStart) / 1_000_000;
      assertThat(busyMs - t.passMs())
          .isLessThanOrEqualTo((elapsedMs - t.passMs()) / (1 + VacuumPolicy.IDLE_FACTOR) + 1);
    }
  }

  @Property
  void aFirstPassWaitsForTheThresholdOnly(
      @ForAll @LongRange(min = 0, max = 10_000_000) long dead,
      @ForAll @LongRange(min = 0, max = 10_000_000) long live) {
    VacuumPolicy policy = new VacuumPolicy(MIN_DEAD, RETRY);
    assertThat(policy.due(dead, live, 0)).isEqualTo(dead >= MIN_DEAD + live / 10);
  }

  @Property
  void afterAPassThatRemovedMostItCountsOnlyNewDeadRows(
      @ForAll @LongRange(min = MIN_DEAD, max = 1_000_000) long before,
      @ForAll @LongRange(min = 0, max = 100) long leftPercent,
      @ForAll @LongRange(min = 0, max = 2_000_000) long growth) {
    long left = before * Math.min(leftPercent, 50) / 100;
    VacuumPolicy policy = new VacuumPolicy(MIN_DEAD, RETRY);
    policy.passed(before, left, 0, ms(100));
    long later = ms(100) + ms(400);
    assertThat(policy.due(left + growth, 0, later)).isEqualTo(growth >= MIN_DEAD);
  }

  @Property
  void whileDeadRowsAreHeldBackItRetriesOncePerInterval(
      @ForAll @LongRange(min = MIN_DEAD, max = 1_000_000) long before,
      @ForAll @LongRange(min = 0, max = 9_999) long waitedMs,
      @ForAll @LongRange(min = 0, max = 5_000_000) long growth) {
    VacuumPolicy policy = new VacuumPolicy(MIN_DEAD, RETRY);
    policy.passed(before, before, 0, ms(1));
    assertThat(policy.due(before + growth, 0, ms(1) + ms(waitedMs))).isFalse();
    assertThat(policy.due(before + growth, 0, ms(1) + RETRY.toNanos())).isTrue();
  }

  private static long ms(long millis) {
    return millis * 1_000_000;
  }
}
