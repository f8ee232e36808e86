package io.millrace;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.ReplicaReads.Answer;
import io.millrace.ReplicaReads.Freshness;
import io.millrace.ReplicaReads.Source;
import io.millrace.jobs.Job;
import io.millrace.jobs.JobAdmin;
import io.millrace.jobs.JobRequest;
import io.millrace.testing.Await;
import io.millrace.testing.StreamingReplica;
import io.millrace.testing.TestDatabase;
import io.millrace.workflows.WorkflowRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The operators' reads against a real streaming replica (a {@code pg_basebackup} hot standby, see
 * {@link StreamingReplica}): served by the replica with its lag, stale exactly while replay is held
 * back, and by the primary when the replica lags beyond the bound or is down.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicaReadsTest {
  static StreamingReplica pair;
  static HikariDataSource primary;
  static HikariDataSource replica;
  static Millrace node;

  @BeforeAll
  static void start() {
    pair = StreamingReplica.start();
    primary = TestDatabase.pool(pair.primaryUrl(), 4);
    replica = pair.replicaPool();
    node = builder(Duration.ofSeconds(5)).build();
    node.migrate();
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
    if (replica != null) {
      replica.close();
    }
    if (primary != null) {
      primary.close();
    }
    if (pair != null) {
      pair.close();
    }
  }

  /** A client node on the pair's primary reading from its standby, lagging at most maxLag. */
  static MillraceBuilder builder(Duration maxLag) {
    return Millrace.builder(primary)
        .schema("replica_reads")
        .readDataSource(replica)
        .maxReplicaLag(maxLag);
  }

  static Answer<Optional<Job>> job(Millrace m, long id) {
    return m.reads().read(v -> v.jobs().get(id));
  }

  @Test
  @Order(1)
  void theReplicaServesEveryReadOnceItHasReplayedTheWrite() {
    long id = node.enqueue(JobRequest.of("report.build", Map.of("n", 1))).id();
    long workflow =
        node.workflows()
            .submit(
                WorkflowRequest.named("nightly").step("a", JobRequest.of("report.build", Map.of())))
            .id();
    Await.until(
        "the replica answers with the new job",
        () -> {
          Answer<Optional<Job>> a = job(node, id);
          return a.freshness().source() == Source.REPLICA && a.value().isPresent();
        });

    Answer<List<Job>> list =
        node.reads()
            .read(v -> v.jobs().list(new JobAdmin.Filter(null, null, null, null, null, 50)));
    assertThat(list.value()).extracting(Job::id).contains(id);
    assertReplica(list.freshness());
    Answer<?> queues = node.reads().read(v -> v.queues(true));
    assertReplica(queues.freshness());
    Answer<?> workflows = node.reads().read(v -> v.workflows().get(workflow));
    assertThat(workflows.value()).isNotEqualTo(Optional.empty());
    assertReplica(workflows.freshness());
    assertReplica(node.reads().read(v -> v.backfills().list()).freshness());
    assertReplica(node.reads().read(v -> v.nodes().list()).freshness());
  }

  static void assertReplica(Freshness f) {
    assertThat(f.source()).as(f.detail()).isEqualTo(Source.REPLICA);
    assertThat(f.lag()).isNotNull();
    assertThat(f.lag()).isLessThanOrEqualTo(Duration.ofSeconds(5));
    assertThat(f.fallback()).isNull();
    assertThat(f.header()).matches("replica; lag-ms=\\d+");
  }

  /**
   * Replay held back: a lenient node keeps reading the replica and misses the new job (the answer
   * is stale and says so), a strict one reads the primary once the lag passes its bound; replay
   * resumed, both read the replica again, the new job included, and an idle primary does not make
   * the caught-up replica look late.
   */
  @Test
  @Order(2)
  void replayHeldBackBeyondTheBoundSendsReadsToThePrimary() {
    try (Millrace strict = builder(Duration.ofMillis(200)).build();
        Millrace lenient = builder(Duration.ofDays(1)).build()) {
      pair.onReplica("SELECT pg_wal_replay_pause()");
      long id = node.enqueue(JobRequest.of("report.build", Map.of("n", 2))).id();

      Answer<Optional<Job>> stale = job(lenient, id);
      assertThat(stale.freshness().source()).isEqualTo(Source.REPLICA);
      assertThat(stale.value()).isEmpty();

      Await.until(
          "the strict node passes over the lagging replica",
          () -> strict.reads().route().source() == Source.PRIMARY);
      Answer<Optional<Job>> fresh = job(strict, id);
      assertThat(fresh.value()).isPresent();
      assertThat(fresh.freshness().fallback()).isEqualTo("lag");
      assertThat(fresh.freshness().lag()).isGreaterThan(Duration.ofMillis(200));
      assertThat(fresh.freshness().header()).matches("primary; fallback=lag; lag-ms=\\d+");

      pair.onReplica("SELECT pg_wal_replay_resume()");
      Await.until(
          "the strict node reads the caught-up replica again",
          () -> {
            Answer<Optional<Job>> a = job(strict, id);
            return a.freshness().source() == Source.REPLICA && a.value().isPresent();
          });
      Answer<Optional<Job>> caughtUp = job(lenient, id);
      assertThat(caughtUp.freshness().source()).isEqualTo(Source.REPLICA);
      assertThat(caughtUp.value()).isPresent();
    } finally {
      pair.onReplica("SELECT pg_wal_replay_resume()");
    }
  }

  @Test
  @Order(3)
  void aStoppedReplicaSendsReadsToThePrimaryUntilItIsBack() {
    long id = node.enqueue(JobRequest.of("report.build", Map.of("n", 3))).id();
    pair.stopReplica();
    try {
      Answer<Optional<Job>> a = job(node, id);
      // The first read may still trust the last measurement; it fails on the replica and is
      // answered by the primary all the same.
      assertThat(a.value()).isPresent();
      assertThat(a.freshness().source()).isEqualTo(Source.PRIMARY);
      assertThat(a.freshness().fallback()).isIn("error", "unreachable");
      Await.until(
          "a measurement finds the replica down",
          () -> "unreachable".equals(node.reads().route().fallback()));
      Answer<Optional<Job>> b = job(node, id);
      assertThat(b.value()).isPresent();
      assertThat(b.freshness().header()).isEqualTo("primary; fallback=unreachable");
    } finally {
      pair.startReplica();
    }
    Await.until(
        "the restarted replica answers again",
        () -> {
          Answer<Optional<Job>> a = job(node, id);
          return a.freshness().source() == Source.REPLICA && a.value().isPresent();
        });
  }
}
