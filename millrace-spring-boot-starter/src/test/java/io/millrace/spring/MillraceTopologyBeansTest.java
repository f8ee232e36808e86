package io.millrace.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.ReplicaReads;
import io.millrace.jobs.EnqueueResult;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.JobState;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The qualified DataSource beans of a production topology: the node's sessions come from the {@link
 * MillraceDirectDataSource} bean, operators' reads try the {@link MillraceReadDataSource} bean, and
 * the application's own DataSource stays the only default candidate.
 */
class MillraceTopologyBeansTest {
  private static final TestDatabase db = TestDatabase.create("spring_topology");

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(MillraceAutoConfiguration.class))
          .withUserConfiguration(TestDataSource.class)
          .withPropertyValues(TestDataSource.fastNode(db.schema()))
          .withPropertyValues("app.db.direct-url=" + url(), "app.db.replica-url=" + url());

  @AfterAll
  static void closePool() {
    db.close();
  }

  /** As docs/spring-boot.md shows it. */
  @Configuration(proxyBeanMethods = false)
  static class DirectPool {
    @Bean(defaultCandidate = false)
    @MillraceDirectDataSource
    HikariDataSource millraceDirect(@Value("${app.db.direct-url}") String url) {
      HikariDataSource direct = new HikariDataSource(); // PostgreSQL itself, not PgBouncer
      direct.setJdbcUrl(url);
      direct.setMaximumPoolSize(4);
      return direct;
    }
  }

  /** As docs/spring-boot.md shows it; the primary itself stands in for a replica. */
  @Configuration(proxyBeanMethods = false)
  static class ReadPool {
    @Bean(defaultCandidate = false)
    @MillraceReadDataSource
    HikariDataSource millraceReplica(@Value("${app.db.replica-url}") String url) {
      HikariDataSource replica = new HikariDataSource(); // the hot standby
      replica.setJdbcUrl(url);
      replica.setMaximumPoolSize(2);
      return replica;
    }
  }

  /** The embedded server's URL with its credentials, as an application would configure it. */
  private static String url() {
    String u = TestDatabase.jdbcUrl();
    return u + (u.contains("?") ? "&" : "?") + "user=postgres&password=postgres";
  }

  record Ping(int n) {}

  @Test
  void theNodesSessionsComeFromTheDirectBeanAndJobsStillRunOnTheApplicationsPool() {
    runner
        .withUserConfiguration(DirectPool.class)
        .withPropertyValues("millrace.queues.pings.concurrency=1")
        .withBean(
            "ping", MillraceHandler.class, () -> MillraceHandler.of("ping", Ping.class, j -> null))
        .run(
            context -> {
              assertThat(context).hasNotFailed().hasSingleBean(Millrace.class);
              HikariDataSource direct = context.getBean("millraceDirect", HikariDataSource.class);
              Millrace millrace = context.getBean(Millrace.class);
              // The leader's lock session and the LISTEN session, held for as long as it runs.
              Await.until(
                  "the node holds its sessions on the direct pool",
                  () ->
                      direct.getHikariPoolMXBean().getActiveConnections()
                          == millrace.connectionBudget().direct());
              assertThat(millrace.connectionBudget().direct()).isPositive();
              EnqueueResult r =
                  context
                      .getBean(MillraceTemplate.class)
                      .enqueue(JobRequest.of("ping", new Ping(1)).queue("pings"));
              Await.until(
                  "the job ran",
                  () -> millrace.admin().get(r.id()).orElseThrow().state() == JobState.COMPLETED);
              assertThat(context.getBean(MillraceTemplate.class)).isNotNull();
            });
  }

  @Test
  void operatorsReadsTryTheReadBeanAndFallBackToThePrimaryWhenItIsNoStandby() {
    runner
        .withUserConfiguration(ReadPool.class)
        .withPropertyValues("millrace.max-replica-lag=250ms")
        .run(
            context -> {
              assertThat(context).hasNotFailed().hasSingleBean(Millrace.class);
              ReplicaReads reads = context.getBean(Millrace.class).reads();
              assertThat(reads.hasReplica()).isTrue();
              Await.until(
                  "the node measured the read DataSource and found a primary",
                  () -> "not-standby".equals(reads.route().fallback()));
              assertThat(reads.read(v -> v.queues(true)).freshness().source())
                  .isEqualTo(ReplicaReads.Source.PRIMARY);
            });
  }

  @Test
  void withoutTheBeansTheNodeHasNoReplicaAndItsSessionsOnTheApplicationsPool() {
    runner.run(
        context -> {
          assertThat(context).hasNotFailed();
          assertThat(context.getBean(Millrace.class).reads().hasReplica()).isFalse();
        });
  }
}
