package io.millrace.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.MillraceBuilder;
import io.millrace.health.Readiness;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.JobState;
import io.millrace.projections.EventStore;
import io.millrace.projections.NewEvent;
import io.millrace.projections.Projection;
import io.millrace.testing.Await;
import io.millrace.testing.ForwardingDataSource;
import io.millrace.testing.TestDatabase;
import io.millrace.workflows.SubmittedWorkflow;
import io.millrace.workflows.WorkflowOptions;
import io.millrace.workflows.WorkflowRequest;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A node with jobs, workflows and projections all on holds one LISTEN session, and that session
 * wakes each capability; when it is terminated mid-load the node polls until it is back, and every
 * job, workflow step and event is still handled exactly once; with {@code listen(false)} there is
 * no LISTEN session and polling alone does the work.
 */
class NotifierNodeTest {
  TestDatabase db;
  HikariDataSource directPool;
  GatedDataSource direct;
  String application;
  Millrace node;
  final Map<Long, AtomicInteger> runs = new ConcurrentHashMap<>();
  final Map<Long, AtomicInteger> applied = new ConcurrentHashMap<>();

  @BeforeEach
  void setUp() {
    db = TestDatabase.create("notifiernode");
    application = "millrace-notifier-" + db.schema();
    directPool = TestDatabase.pool(TestDatabase.jdbcUrl(), 4, application);
    direct = new GatedDataSource(directPool);
    db.migratedClient().close();
  }

  @AfterEach
  void tearDown() {
    if (node != null) {
      node.close();
    }
    directPool.close();
    db.close();
  }

  private MillraceBuilder builder(Duration poll, Duration staleAfter) {
    return db.builder()
        .directDataSource(direct)
        .pollInterval(poll)
        .queue("default", 4)
        .handler(
            "count",
            Map.class,
            job -> runs.computeIfAbsent(job.id(), k -> new AtomicInteger()).incrementAndGet())
        .workflows(WorkflowOptions.DEFAULT.staleAfter(staleAfter))
        .projection(
            Projection.named("applied")
                .version("1")
                .handler(
                    (e, ctx) ->
                        applied
                            .computeIfAbsent(e.position(), k -> new AtomicInteger())
                            .incrementAndGet())
                .build());
  }

  @Test
  void oneListenSessionWakesJobsCancelsWorkflowsAndProjections() throws Exception {
    CountDownLatch cancelled = new CountDownLatch(1);
    // Ten-minute polls, heartbeats and reconciler: only a notification can act within the test.
    node =
        builder(Duration.ofMinutes(10), Duration.ofHours(1))
            .lease(Duration.ofMinutes(30))
            .heartbeat(Duration.ofMinutes(10))
            .handler(
                "block",
                Map.class,
                job -> {
                  try {
                    Thread.sleep(Duration.ofMinutes(10).toMillis());
                  } catch (InterruptedException e) {
                    cancelled.countDown();
                    throw e;
                  }
                  return null;
                })
            .build();
    node.start();
    Await.until("listening", node::isListening);
    assertThat(listenSessions()).isEqualTo(1);
    assertThat(node.connectionBudget().direct()).isEqualTo(2);

    long job = node.enqueue(JobRequest.of("count", Map.of())).id();
    Await.until("job woken by NOTIFY", () -> runs.containsKey(job));

    long blocked = node.enqueue(JobRequest.of("block", Map.of())).id();
    Await.until(
        "blocking job running",
        () -> node.admin().get(blocked).map(j -> j.state() == JobState.RUNNING).orElse(false));
    node.admin().cancel(blocked);
    Await.until("cancel reached the handler", () -> cancelled.getCount() == 0);

    SubmittedWorkflow wf =
        node.workflows()
            .submit(
                WorkflowRequest.named("pair")
                    .step("a", JobRequest.of("count", Map.of()))
                    .step("b", JobRequest.of("count", Map.of()), "a"));
    Await.until("second step released by the cascade", () -> runs.containsKey(wf.jobId("b")));

    long first =
        node.events()
            .append("s", EventStore.ANY, List.of(NewEvent.json("e", "{}")))
            .positions()
            .get(0);
    Await.until("projection tailing", () -> applied.containsKey(first));
    long position =
        node.events()
            .append("s", EventStore.ANY, List.of(NewEvent.json("e", "{}")))
            .positions()
            .get(0);
    Await.until("event woke the projection", () -> applied.containsKey(position));

    Readiness.Status notifier = notifierStatus();
    assertThat(notifier.ready()).isTrue();
    assertThat(notifier.details()).containsEntry("listening", true);
    assertThat(node.meters().get("millrace.notifier.listening").gauge().value()).isEqualTo(1.0);
  }

  @Test
  void aTerminatedNotifierSessionComesBackAndEveryItemIsHandledOnce() throws Exception {
    node = builder(Duration.ofMillis(200), Duration.ofSeconds(1)).build();
    node.start();
    Await.until("listening", node::isListening);

    List<Long> jobs = new ArrayList<>();
    List<SubmittedWorkflow> workflows = new ArrayList<>();
    int events = 0;
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < 100; i++) {
        jobs.add(node.enqueue(JobRequest.of("count", Map.of("i", i))).id());
      }
      for (int i = 0; i < 5; i++) {
        workflows.add(
            node.workflows()
                .submit(
                    WorkflowRequest.named("chain")
                        .step("a", JobRequest.of("count", Map.of()))
                        .step("b", JobRequest.of("count", Map.of()), "a")
                        .step("c", JobRequest.of("count", Map.of()), "b")));
      }
      List<NewEvent> batch = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        batch.add(NewEvent.json("e", "{}"));
      }
      node.events().append("s-" + round, EventStore.ANY, batch);
      events += batch.size();

      // Mid-load: the notifier's session dies and, while it cannot reconnect, the node polls.
      Await.until("listening", node::isListening);
      direct.close();
      db.execute(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '"
              + application
              + "' AND query LIKE 'LISTEN%'");
      Await.until("not listening", () -> !node.isListening());
      assertThat(notifierStatus().details()).containsEntry("listening", false);
      assertThat(node.meters().get("millrace.notifier.listening").gauge().value()).isZero();
      direct.open();
      Await.until("listening again", node::isListening);
    }
    assertThat(node.meters().counter("millrace.notifier.reconnects").count()).isEqualTo(3.0);
    assertThat(listenSessions()).isEqualTo(1);

    List<Long> all = new ArrayList<>(jobs);
    workflows.forEach(wf -> all.addAll(wf.jobIds().values()));
    int eventCount = events;
    Await.until(
        "every job and step ran", Duration.ofMinutes(3), () -> runs.keySet().containsAll(all));
    Await.until("every event applied", Duration.ofMinutes(3), () -> applied.size() == eventCount);
    for (SubmittedWorkflow wf : workflows) {
      Await.until(
          "workflow finished",
          () -> node.workflows().get(wf.id()).orElseThrow().workflow().open() == 0);
    }
    assertThat(all).allSatisfy(id -> assertThat(runs.get(id).get()).as("job %d", id).isEqualTo(1));
    assertThat(runs).hasSize(all.size());
    assertThat(applied.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
  }

  @Test
  void listenOffOpensNoListenSessionAndPollingDoesTheWork() {
    node = builder(Duration.ofMillis(200), Duration.ofSeconds(1)).listen(false).build();
    node.start();
    assertThat(node.connectionBudget().direct()).isEqualTo(1);

    long job = node.enqueue(JobRequest.of("count", Map.of())).id();
    SubmittedWorkflow wf =
        node.workflows()
            .submit(
                WorkflowRequest.named("pair")
                    .step("a", JobRequest.of("count", Map.of()))
                    .step("b", JobRequest.of("count", Map.of()), "a"));
    long position =
        node.events()
            .append("s", EventStore.ANY, List.of(NewEvent.json("e", "{}")))
            .positions()
            .get(0);
    Await.until("job polled", () -> runs.containsKey(job));
    Await.until("workflow reconciled", () -> runs.containsKey(wf.jobId("b")));
    Await.until("event polled", () -> applied.containsKey(position));

    assertThat(listenSessions()).isZero();
    assertThat(node.isListening()).isFalse();
    assertThat(notifierStatus().details()).containsEntry("listening", false);
  }

  private Readiness.Status notifierStatus() {
    return node.readiness().report().checks().stream()
        .filter(s -> s.name().equals("notifier"))
        .findFirst()
        .orElseThrow();
  }

  private long listenSessions() {
    return db.count(
        "FROM pg_stat_activity WHERE application_name = '"
            + application
            + "' AND query LIKE 'LISTEN%'");
  }

  /**
   * The node's direct DataSource, which can refuse new connections to the notifier's thread (only),
   * so a test sees the node without its LISTEN session for as long as it needs.
   */
  static final class GatedDataSource extends ForwardingDataSource {
    private volatile boolean closed;

    GatedDataSource(DataSource delegate) {
      super(delegate);
    }

    void close() {
      closed = true;
    }

    void open() {
      closed = false;
    }

    @Override
    public Connection getConnection() throws SQLException {
      if (closed && Thread.currentThread().getName().equals("millrace-notifier")) {
        throw new SQLException("refused by the test");
      }
      return super.getConnection();
    }
  }
}
