package io.millrace.spring;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Millrace's readiness report followed through Spring's application availability. */
class MillraceReadinessTest {
  private static final TestDatabase db = TestDatabase.create("spring_readiness");

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  ApplicationAvailabilityAutoConfiguration.class, MillraceAutoConfiguration.class))
          .withUserConfiguration(TestDataSource.class)
          .withPropertyValues(TestDataSource.fastNode(db.schema()));

  @AfterAll
  static void closePool() {
    db.close();
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
