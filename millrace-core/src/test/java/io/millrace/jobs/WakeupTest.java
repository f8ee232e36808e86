package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** NOTIFY wakes idle workers; without LISTEN, polling alone still runs every job. */
class WakeupTest {
  @Test
  void notifyWakesAWorkerThatWouldOtherwiseSleepForMinutes() {
    try (TestDatabase db = TestDatabase.create("notify")) {
      Millrace node = db.builder()
          .pollInterval(Duration.ofMinutes(10))
          .handler("ping", Map.class, job -> "pong")
          .build();
      node.migrate();
      node.start();
      try {
        Await.until("node listening", Duration.ofSeconds(30), () -> listening(node));
        long id = node.enqueue(JobRequest.of("ping", Map.of())).id();
        // Only a notification can wake the worker before its ten-minute poll.
        Await.until("job completed via NOTIFY", Duration.ofSeconds(60),
            () -> node.admin().get(id).map(j -> j.state() == JobState.COMPLETED).orElse(false));
      } finally {
        node.close();
      }
    }
  }

  @Test
  void pollingAloneWorksWithoutListen() {
    try (TestDatabase db = TestDatabase.create("poll")) {
      Millrace node = db.builder()
          .listen(false)
          .pollInterval(Duration.ofMillis(100))
          .handler("ping", Map.class, job -> "pong")
          .build();
      node.migrate();
      node.start();
      try {
        for (int i = 0; i < 20; i++) {
          node.enqueue(JobRequest.of("ping", Map.of("i", i)));
        }
        Await.until("all polled jobs completed", () -> db.count("FROM {schema}.jobs") == 0);
        assertThat(db.count("FROM {schema}.job_history WHERE state = 'completed'")).isEqualTo(20);
      } finally {
        node.close();
      }
    }
  }

  private static boolean listening(Millrace node) {
    return node.isListening();
  }
}
