package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A paused queue accepts jobs, and no node claims from it until it is resumed. */
@Tag("compat")
class QueuePauseTest {
  static TestDatabase db;
  static final List<Millrace> nodes = new ArrayList<>();

  @BeforeAll
  static void start() {
    db = TestDatabase.create("pause");
    for (int i = 0; i < 2; i++) {
      Millrace node =
          db.builder()
              .nodeId("pause-node-" + i)
              .queue("reports", 2)
              .queue("other", 2)
              .handler("work", Map.class, job -> null)
              .build();
      node.migrate();
      node.start();
      nodes.add(node);
    }
  }

  @AfterAll
  static void stop() {
    nodes.forEach(Millrace::close);
    db.close();
  }

  @Test
  void pausedQueueIsNotClaimedByAnyNodeUntilResumed() throws Exception {
    Millrace admin = nodes.get(0);
    admin.admin().setPaused("reports", true);
    List<JobRequest> jobs = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      jobs.add(JobRequest.of("work", Map.of("i", i)).queue("reports"));
    }
    admin.enqueueAll(jobs);
    long other = admin.enqueue(JobRequest.of("work", Map.of()).queue("other")).id();
    // The other queue keeps flowing: once its job is done, both nodes have polled "reports" too.
    Await.until(
        "other queue's job done",
        () -> admin.admin().get(other).map(j -> j.state() == JobState.COMPLETED).orElse(false));
    Thread.sleep(
        600); // several poll intervals of both nodes; the assertion below is about claims, not time
    assertThat(db.count("FROM {schema}.jobs WHERE queue = 'reports' AND attempt = 0"))
        .isEqualTo(20);
    assertThat(admin.queues(true).queues())
        .filteredOn(q -> q.name().equals("reports"))
        .singleElement()
        .satisfies(
            q -> {
              assertThat(q.paused()).isTrue();
              assertThat(q.counts().available()).isEqualTo(20);
            });

    admin.admin().setPaused("reports", false);
    Await.until(
        "paused queue drained after resume",
        () -> db.count("FROM {schema}.jobs WHERE queue = 'reports'") == 0);
    assertThat(
            db.count("FROM {schema}.job_history WHERE queue = 'reports' AND state = 'completed'"))
        .isEqualTo(20);
  }
}
