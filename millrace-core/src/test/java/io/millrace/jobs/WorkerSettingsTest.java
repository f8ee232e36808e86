package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The default prefetch lets one claim take a full fetch batch, and an explicit prefetch wins. */
class WorkerSettingsTest {
  private static WorkerSettings settings(int fetchBatch, int prefetch) {
    return new WorkerSettings(
        "n",
        Map.of("default", 16),
        Duration.ofSeconds(30),
        Duration.ofSeconds(10),
        Duration.ofSeconds(1),
        fetchBatch,
        prefetch,
        100,
        Duration.ofMillis(2),
        true);
  }

  @Test
  void defaultPrefetchIsTheLargerOfConcurrencyAndFetchBatch() {
    WorkerSettings s = settings(100, WorkerSettings.PREFETCH_CONCURRENCY);
    assertThat(s.prefetchFor(16)).isEqualTo(100);
    assertThat(s.prefetchFor(250)).isEqualTo(250);
  }

  @Test
  void explicitPrefetchIsKept() {
    assertThat(settings(100, 0).prefetchFor(16)).isZero();
    assertThat(settings(100, 5).prefetchFor(16)).isEqualTo(5);
  }
}
