package io.millrace.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.health.Readiness;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class MillraceHealthAndReadinessTest {
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
          Health health = indicator.health();
          assertThat(health.getStatus()).isEqualTo(Status.UP);
          assertThat(health.getDetails())
              .containsEntry("nodeId", millrace.nodeId())
              .containsEntry("schema", db.schema())
              .containsEntry("databaseReachable", true)
              .containsEntry("leader", true)
              .containsEntry("listening", false)
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

  @Test
  void theApplicationRefusesTrafficWhileMillraceIsNotReadyAndOnlyItsOwnRefusalIsLifted() {
    runner.run(
        context -> {
          ApplicationAvailability availability = context.getBean(ApplicationAvailability.class);
          MillraceAvailability millraceAvailability = context.getBean(MillraceAvailability.class);
          AtomicBoolean warm = new AtomicBoolean(true);
          context
              .getBean(Millrace.class)
              .readiness()
              .add(
                  () ->
                      warm.get()
                          ? Readiness.Status.ready("warm-up", "done")
                          : Readiness.Status.notReady("warm-up", "loading", Map.of()));

          // Spring marks the application ready; Millrace is ready too, so that stands.
          AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);
          millraceAvailability.check();
          assertThat(availability.getReadinessState()).isEqualTo(ReadinessState.ACCEPTING_TRAFFIC);

          warm.set(false);
          Await.until(
              "Millrace's pending check refuses traffic",
              () -> availability.getReadinessState() == ReadinessState.REFUSING_TRAFFIC);

          // Something else accepts traffic again while Millrace is still not ready.
          AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);
          Await.until(
              "the refusal comes back",
              () -> availability.getReadinessState() == ReadinessState.REFUSING_TRAFFIC);

          warm.set(true);
          Await.until(
              "Millrace lifts its own refusal",
              () -> availability.getReadinessState() == ReadinessState.ACCEPTING_TRAFFIC);

          // Another component refuses: Millrace, ready, leaves that refusal alone.
          AvailabilityChangeEvent.publish(context, ReadinessState.REFUSING_TRAFFIC);
          millraceAvailability.check();
          assertThat(availability.getReadinessState()).isEqualTo(ReadinessState.REFUSING_TRAFFIC);
        });
  }

  @Test
  void readinessFollowingIsOffByProperty() {
    runner
        .withPropertyValues("millrace.readiness.enabled=false")
        .run(
            context ->
                assertThat(context)
                    .hasNotFailed()
                    .hasSingleBean(Millrace.class)
                    .doesNotHaveBean(MillraceAvailability.class));
  }
}
