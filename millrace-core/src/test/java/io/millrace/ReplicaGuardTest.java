package io.millrace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.base.ValidationException;
import io.millrace.jobs.JobAdmin;
import io.millrace.jobs.JobRequest;
import io.millrace.testing.Await;
import io.millrace.testing.ForwardingDataSource;
import io.millrace.testing.TestDatabase;
import io.millrace.workflows.WorkflowRequest;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The read replica is for the operators' reads only: a node that works (claims, completes, cascades
 * a workflow, counts for its gauges, heartbeats, leads and maintains) never asks the read data
 * source for a connection. Every connection it gives out is asked for by the lag measurement or by
 * a read through {@link Millrace#reads()}.
 */
class ReplicaGuardTest {

  /** Stands in for a replica (it is the primary, which the measurement finds is no standby). */
  static final class Recording extends ForwardingDataSource {
    final List<StackTraceElement[]> callers = new CopyOnWriteArrayList<>();

    Recording(@Nullable DataSource target) {
      super(target);
    }

    @Override
    public Connection getConnection() throws SQLException {
      callers.add(new Throwable().getStackTrace());
      return super.getConnection();
    }
  }

  @Test
  void theReplicaSettingsRefuseBadValuesNamingThem() {
    DataSource primary = new Recording(null);
    MillraceBuilder builder = Millrace.builder(primary);
    assertThatThrownBy(() -> builder.readDataSource(null))
        .isInstanceOf(ValidationException.class)
        .hasFieldOrPropertyWithValue("field", "readDataSource");
    assertThatThrownBy(() -> builder.readDataSource(primary))
        .isInstanceOf(ValidationException.class)
        .hasFieldOrPropertyWithValue("field", "readDataSource");
    assertThatThrownBy(() -> builder.maxReplicaLag(Duration.ofMillis(-1)))
        .isInstanceOf(ValidationException.class)
        .hasFieldOrPropertyWithValue("field", "maxReplicaLag");
    assertThatThrownBy(() -> builder.maxReplicaLag(null))
        .isInstanceOf(ValidationException.class)
        .hasFieldOrPropertyWithValue("field", "maxReplicaLag");
    // Without a replica every read is the primary's, and says so.
    try (Millrace node = builder.maxReplicaLag(Duration.ZERO).build()) {
      assertThat(node.reads().hasReplica()).isFalse();
      assertThat(node.reads().route().header()).isEqualTo("primary");
    }
  }

  @Test
  void aWorkingNodeTouchesTheReadDataSourceOnlyThroughItsReads() {
    try (TestDatabase db = TestDatabase.create("replica_guard")) {
      Recording readSource = new Recording(db.dataSource());
      try (Millrace node =
          db.builder()
              .queue("default", 2)
              .handler("ok", Map.class, job -> "done")
              .readDataSource(readSource)
              .build()) {
        node.migrate();
        node.start();
        for (int i = 0; i < 20; i++) {
          node.enqueue(JobRequest.of("ok", Map.of("i", i)));
        }
        node.workflows()
            .submit(
                WorkflowRequest.named("guarded")
                    .step("a", JobRequest.of("ok", Map.of()))
                    .step("b", JobRequest.of("ok", Map.of()), "a"));
        Await.until(
            "every job and step completes",
            () ->
                node.counts().exact(List.of()).queues().stream().mapToLong(q -> q.completed()).sum()
                    == 22);
        node.runMaintenance();
        assertThat(readSource.callers).isEmpty();

        // The reads measure the replica (this stand-in is no standby, so the primary answers).
        ReplicaReads.Answer<?> answer =
            node.reads()
                .read(v -> v.jobs().list(new JobAdmin.Filter(null, null, null, null, null, 10)));
        assertThat(answer.freshness().fallback()).isEqualTo("not-standby");
        assertThat(readSource.callers).isNotEmpty();
        assertThat(readSource.callers)
            .allSatisfy(
                stack ->
                    assertThat(Arrays.stream(stack).map(StackTraceElement::getClassName))
                        .anyMatch(
                            c ->
                                c.startsWith(ReplicaReads.class.getName())
                                    || c.equals(ReplicaLag.class.getName())));
      }
    }
  }
}
