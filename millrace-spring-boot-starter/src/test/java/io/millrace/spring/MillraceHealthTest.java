package io.millrace.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.health.Readiness;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The health contributor, written against Boot 4's health API. */
class MillraceHealthTest {
  private static final TestDatabase db = TestDatabase.create("spring_health");

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  ApplicationAvailabilityAutoConfiguration.class,
                  MillraceAutoConfiguration.class,
                  MillraceHealthAutoConfiguration.class))
          .withUserConfiguration(TestDataSource.class)
          .withPropertyValues(TestDataSource.fastNode(db.schema()));

  @AfterAll
  static void closePool() {
    db.close();
  }

  @Test
  void theHealthContributorReportsTheNodeAndItsDatabase() {
    runner.run(
        context -> {
          Millrace millrace = context.getBean(Millrace.class);
          MillraceHealthIndicator indicator = context.getBean(MillraceHealthIndicator.class);
          Await.until("the only node leads", millrace::isLeader);
          // No queues, but workflow dispatch (the default) subscribes to the node's notifier.
          Await.until("the node listens", millrace::isListening);
          Health health = indicator.health();
          assertThat(health.getStatus()).isEqualTo(Status.UP);
          assertThat(health.getDetails())
              .containsEntry("nodeId", millrace.nodeId())
              .containsEntry("schema", db.schema())
              .containsEntry("databaseReachable", true)
              .containsEntry("leader", true)
              .containsEntry("listening", true)
              .containsEntry("ready", true);

          try (HikariDataSource unreachable = TestDatabase.pool(TestDatabase.jdbcUrl(), 1)) {
            unreachable.close();
            Health down = new MillraceHealthIndicator(millrace, unreachable).health();
            assertThat(down.getStatus()).isEqualTo(Status.DOWN);
            assertThat(down.getDetails())
                .containsEntry("databaseReachable", false)
                .containsKey("error");
          }
        });
  }

  @Test
  void pendingReadinessIsADetailNotDown() {
    runner.run(
        context -> {
          context
              .getBean(Millrace.class)
              .readiness()
              .add(() -> Readiness.Status.notReady("warm-up", "still loading", Map.of()));
          Health health = context.getBean(MillraceHealthIndicator.class).health();
          assertThat(health.getStatus()).isEqualTo(Status.UP);
          assertThat(health.getDetails())
              .containsEntry("ready", false)
              .hasEntrySatisfying(
                  "pending",
                  pending -> assertThat(pending.toString()).contains("warm-up: still loading"));
        });
  }

  @Test
  void theContributorIsOffByPropertyAndAbsentWithoutBootsHealthSupport() {
    runner
        .withPropertyValues("management.health.millrace.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(MillraceHealthIndicator.class));
    runner
        .withClassLoader(new FilteredClassLoader("org.springframework.boot.health"))
        .run(
            context ->
                assertThat(context)
                    .hasNotFailed()
                    .hasSingleBean(Millrace.class)
                    .doesNotHaveBean(MillraceHealthIndicator.class));
  }
}
