package io.millrace.counts;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.jobs.JobRequest;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** rebuild-counters is safe while workers finish jobs: no deadlock, exact afterwards. */
@Tag("slow")
class RebuildUnderLoadTest {
  @Test
  void rebuildWhileEightWorkersCompleteJobs() {
    try (TestDatabase db = TestDatabase.create("rebuild_load")) {
      Millrace node =
          db.builder()
              .queue("load", 8)
              .handler(
                  "work",
                  Map.class,
                  job -> {
                    if (job.id() % 10 == 0) {
                      throw new IllegalStateException("every tenth job fails");
                    }
                    return null;
                  })
              .build();
      node.migrate();
      List<JobRequest> jobs = new ArrayList<>();
      for (int i = 0; i < 3_000; i++) {
        jobs.add(JobRequest.of("work", Map.of("i", i)).queue("load").maxAttempts(1));
      }
      node.enqueueAll(jobs);
      node.start();
      try {
        int rebuilds = 0;
        while (db.count("FROM {schema}.jobs") > 0) {
          node.counts().rebuild();
          rebuilds++;
        }
        assertThat(rebuilds).isPositive();
        Await.until("every job finished", () -> db.count("FROM {schema}.job_history") == 3_000);
        assertThat(node.counts().verify(false)).isEmpty();
        assertThat(node.counts().trusted()).isTrue();
        QueueCounts q = node.counts().exact(List.of("load")).queues().get(0);
        assertThat(q.terminal()).isEqualTo(3_000);
        assertThat(q.failed())
            .isEqualTo(db.count("FROM {schema}.job_history WHERE state = 'failed'"));
        assertThat(q.completed())
            .isEqualTo(db.count("FROM {schema}.job_history WHERE state = 'completed'"));
      } finally {
        node.close();
      }
    }
  }
}
