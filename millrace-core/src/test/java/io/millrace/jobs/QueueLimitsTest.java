package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.Millrace;
import io.millrace.base.ValidationException;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Bad limits are refused naming the field, and nothing is written. */
class QueueLimitsTest {
  @Test
  void badLimitsAreRefusedNamingTheField() {
    assertRefused(() -> QueueLimits.maxRunning(0), "maxRunning");
    assertRefused(() -> QueueLimits.rate(0, Duration.ofSeconds(1)), "rateLimit");
    assertRefused(() -> new QueueLimits(null, 5, null), "ratePeriod");
    assertRefused(() -> new QueueLimits(null, null, Duration.ofSeconds(1)), "rateLimit");
    assertRefused(() -> QueueLimits.rate(5, Duration.ZERO), "ratePeriod");
    assertRefused(() -> QueueLimits.rate(5, Duration.ofDays(2)), "ratePeriod");
    assertRefused(() -> QueueLimits.rate(5, Duration.ofNanos(1_500_000)), "ratePeriod");
    assertThat(QueueLimits.NONE.limited()).isFalse();
    assertThat(QueueLimits.maxRunning(1).withRate(3, Duration.ofMillis(1)).limited()).isTrue();
  }

  @Test
  void aBadQueueNameWritesNothing() {
    try (TestDatabase db = TestDatabase.create("limits")) {
      Millrace client = db.migratedClient();
      assertRefused(
          () -> client.admin().setLimits("no spaces", QueueLimits.maxRunning(2)), "queue");
      assertThat(db.count("FROM {schema}.queues")).isZero();
      client.admin().setLimits("q", QueueLimits.rate(3, Duration.ofMillis(250)));
      assertThat(client.admin().limits("q")).isEqualTo(QueueLimits.rate(3, Duration.ofMillis(250)));
      assertThat(client.admin().limits("other")).isEqualTo(QueueLimits.NONE);
    }
  }

  private static void assertRefused(Runnable action, String field) {
    assertThatThrownBy(action::run)
        .isInstanceOf(ValidationException.class)
        .satisfies(e -> assertThat(((ValidationException) e).field()).isEqualTo(field));
  }
}
