package io.millrace.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.base.MillraceException;
import io.millrace.jobs.JobRequest;
import io.millrace.projections.EventStore;
import io.millrace.projections.NewEvent;
import io.millrace.testing.TestDatabase;
import io.millrace.workflows.WorkflowRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * MillraceTemplate's writes join the caller's Spring transaction, through real
 * {@code @Transactional} proxies over Boot's DataSourceTransactionManager and a real PostgreSQL.
 */
class MillraceTemplateTransactionTest {
  private static final TestDatabase db = TestDatabase.create("spring_tx");

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  BootLine.TRANSACTION_MANAGER,
                  BootLine.TRANSACTIONS,
                  MillraceAutoConfiguration.class))
          .withUserConfiguration(TestDataSource.class)
          .withPropertyValues(TestDataSource.fastNode(db.schema()))
          .withBean(Inner.class)
          .withBean(Outer.class);

  @AfterAll
  static void closePool() {
    db.close();
  }

  /** The transactional service the tests call; each method names its transaction shape. */
  public static class Outer {
    private final MillraceTemplate millrace;
    private final Inner inner;

    public Outer(MillraceTemplate millrace, Inner inner) {
      this.millrace = millrace;
      this.inner = inner;
    }

    @Transactional
    public void enqueueAndCommit(String key) {
      millrace.enqueue(job(key));
    }

    @Transactional
    public void enqueueThenFail(String key) {
      millrace.enqueue(job(key));
      throw new IllegalStateException("the caller's transaction rolls back");
    }

    @Transactional
    public void requiresNewThenFail(String key) {
      inner.enqueueInNewTransaction(key);
      throw new IllegalStateException("the outer transaction rolls back");
    }

    @Transactional
    public void nestedRolledBackOuterCommits(String outerKey, String nestedKey) {
      millrace.enqueue(job(outerKey));
      try {
        inner.enqueueInSavepointThenFail(nestedKey);
      } catch (IllegalStateException expected) {
        // the savepoint is rolled back; the outer transaction goes on and commits
      }
    }

    @Transactional
    public void everyWriteThenFail(String key) {
      millrace.enqueueAll(List.of(job(key + "-a"), job(key + "-b")));
      millrace.submit(WorkflowRequest.named("wf-" + key).step("only", job(key + "-wf")));
      millrace.append("stream-" + key, EventStore.ANY, List.of(NewEvent.of("happened", Map.of())));
      throw new IllegalStateException("everything rolls back");
    }

    @Transactional
    public void everyWriteAndCommit(String key) {
      millrace.enqueueAll(List.of(job(key + "-a"), job(key + "-b")));
      millrace.submit(WorkflowRequest.named("wf-" + key).step("only", job(key + "-wf")));
      millrace.append("stream-" + key, EventStore.ANY, List.of(NewEvent.of("happened", Map.of())));
    }
  }

  public static class Inner {
    private final MillraceTemplate millrace;

    public Inner(MillraceTemplate millrace) {
      this.millrace = millrace;
    }

    @Transactional(propagation = Propagation.REQUIRES_NEW)
    public void enqueueInNewTransaction(String key) {
      millrace.enqueue(job(key));
    }

    @Transactional(propagation = Propagation.NESTED)
    public void enqueueInSavepointThenFail(String key) {
      millrace.enqueue(job(key));
      throw new IllegalStateException("the savepoint rolls back");
    }
  }

  static JobRequest job(String key) {
    return JobRequest.of("tx.test", Map.of("key", key));
  }

  static long jobs(String key) {
    return db.count("FROM {schema}.jobs WHERE args->>'key' = '" + key + "'");
  }

  @Test
  void aRolledBackTransactionLeavesNoJob() {
    runner.run(
        context -> {
          Outer outer = context.getBean(Outer.class);
          assertThatThrownBy(() -> outer.enqueueThenFail("rollback"))
              .isInstanceOf(IllegalStateException.class);
          assertThat(jobs("rollback")).isZero();
        });
  }

  @Test
  void aCommittedTransactionKeepsItsJob() {
    runner.run(
        context -> {
          context.getBean(Outer.class).enqueueAndCommit("commit");
          assertThat(jobs("commit")).isEqualTo(1);
        });
  }

  @Test
  void requiresNewInsideARolledBackTransactionKeepsItsJob() {
    runner.run(
        context -> {
          Outer outer = context.getBean(Outer.class);
          assertThatThrownBy(() -> outer.requiresNewThenFail("requires-new"))
              .isInstanceOf(IllegalStateException.class);
          assertThat(jobs("requires-new")).isEqualTo(1);
        });
  }

  @Test
  void aRolledBackSavepointLeavesNoJobWhileTheOuterTransactionCommits() {
    runner.run(
        context -> {
          context.getBean(Outer.class).nestedRolledBackOuterCommits("outer", "nested");
          assertThat(jobs("outer")).isEqualTo(1);
          assertThat(jobs("nested")).isZero();
        });
  }

  @Test
  void bulkEnqueueWorkflowSubmitAndEventAppendJoinTheTransactionToo() {
    runner.run(
        context -> {
          Outer outer = context.getBean(Outer.class);
          assertThatThrownBy(() -> outer.everyWriteThenFail("all-rb"))
              .isInstanceOf(IllegalStateException.class);
          assertThat(jobs("all-rb-a") + jobs("all-rb-b") + jobs("all-rb-wf")).isZero();
          assertThat(db.count("FROM {schema}.workflows WHERE name = 'wf-all-rb'")).isZero();
          assertThat(db.count("FROM {schema}.event_streams WHERE stream = 'stream-all-rb'"))
              .isZero();

          outer.everyWriteAndCommit("all-ok");
          assertThat(jobs("all-ok-a") + jobs("all-ok-b") + jobs("all-ok-wf")).isEqualTo(3);
          assertThat(db.count("FROM {schema}.workflows WHERE name = 'wf-all-ok'")).isEqualTo(1);
          assertThat(db.count("FROM {schema}.event_streams WHERE stream = 'stream-all-ok'"))
              .isEqualTo(1);
        });
  }

  @Test
  void outsideATransactionEachWriteCommitsOnItsOwn() {
    runner.run(
        context -> {
          MillraceTemplate template = context.getBean(MillraceTemplate.class);
          assertThat(template.joinsTransaction()).isFalse();
          template.enqueue(job("standalone"));
          assertThat(jobs("standalone")).isEqualTo(1);
        });
  }

  @Test
  void aTransactionOnAnotherDataSourceIsRefusedInsteadOfCommittingAlone() {
    try (HikariDataSource other = TestDatabase.pool(TestDatabase.jdbcUrl(), 2)) {
      TransactionTemplate elsewhere =
          new TransactionTemplate(new DataSourceTransactionManager(other));
      runner.run(
          context -> {
            MillraceTemplate template = context.getBean(MillraceTemplate.class);
            assertThatThrownBy(
                    () ->
                        elsewhere.executeWithoutResult(
                            status -> template.enqueue(job("other-datasource"))))
                .isInstanceOf(MillraceException.class)
                .hasMessageContaining("does not cover the DataSource Millrace uses");
            assertThat(jobs("other-datasource")).isZero();
          });
    }
  }

  @Test
  void joinedAndRefusedWritesHandTheirConnectionsBack() {
    try (HikariDataSource other = TestDatabase.pool(TestDatabase.jdbcUrl(), 2)) {
      TransactionTemplate elsewhere =
          new TransactionTemplate(new DataSourceTransactionManager(other));
      runner.run(
          context -> {
            MillraceTemplate template = context.getBean(MillraceTemplate.class);
            Outer outer = context.getBean(Outer.class);
            // Three times the pool's size each way: a connection kept by any path exhausts it.
            for (int i = 0; i < 30; i++) {
              outer.enqueueAndCommit("loop");
              assertThatThrownBy(() -> outer.enqueueThenFail("loop-rb"))
                  .isInstanceOf(IllegalStateException.class);
              assertThatThrownBy(
                      () -> elsewhere.executeWithoutResult(s -> template.enqueue(job("loop-x"))))
                  .isInstanceOf(MillraceException.class);
            }
            assertThat(jobs("loop")).isEqualTo(30);
            assertThat(jobs("loop-rb") + jobs("loop-x")).isZero();
          });
    }
  }
}
