package io.millrace.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.millrace.Millrace;
import io.millrace.jobs.EnqueueResult;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.JobState;
import io.millrace.jobs.PeriodicJob;
import io.millrace.jobs.Schedule;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class MillraceAutoConfigurationTest {
  private static final TestDatabase db = TestDatabase.create("spring_autoconfig");
  private static final Set<String> handled = ConcurrentHashMap.newKeySet();

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(MillraceAutoConfiguration.class))
          .withUserConfiguration(TestDataSource.class)
          .withPropertyValues(TestDataSource.fastNode(db.schema()));

  @AfterAll
  static void closePool() {
    db.close();
  }

  record Greeting(String name) {}

  @Test
  void aHandlerBeanRunsJobsOnANodeStartedWithTheContextAndStoppedWithIt() {
    String[] nodeId = new String[1];
    runner
        .withPropertyValues("millrace.queues.greetings.concurrency=2", "millrace.node-id=spring-1")
        .withBean(
            "greet",
            MillraceHandler.class,
            () ->
                MillraceHandler.of(
                    "greet",
                    Greeting.class,
                    job -> {
                      handled.add(job.args().name());
                      return null;
                    }))
        .run(
            context -> {
              assertThat(context).hasNotFailed().hasSingleBean(Millrace.class);
              Millrace millrace = context.getBean(Millrace.class);
              nodeId[0] = millrace.nodeId();
              EnqueueResult r =
                  context
                      .getBean(MillraceTemplate.class)
                      .enqueue(JobRequest.of("greet", new Greeting("ada")).queue("greetings"));
              Await.until(
                  "the handler bean ran the job",
                  () -> millrace.admin().get(r.id()).orElseThrow().state() == JobState.COMPLETED);
              assertThat(handled).contains("ada");
              assertThat(db.count("FROM {schema}.nodes WHERE id = 'spring-1'")).isEqualTo(1);
            });
    assertThat(nodeId[0]).isEqualTo("spring-1");
    assertThat(db.count("FROM {schema}.nodes WHERE id = 'spring-1'"))
        .as("the node deregistered when the context closed")
        .isZero();
  }

  @Test
  void anOpenTelemetryBeanCarriesTheAttemptsSpans() {
    InMemorySpanExporter exported = InMemorySpanExporter.create();
    runner
        .withPropertyValues("millrace.queues.traced.concurrency=1")
        .withBean(
            OpenTelemetry.class,
            () ->
                OpenTelemetrySdk.builder()
                    .setTracerProvider(
                        SdkTracerProvider.builder()
                            .addSpanProcessor(SimpleSpanProcessor.create(exported))
                            .build())
                    .build())
        .withBean(
            "traced",
            MillraceHandler.class,
            () -> MillraceHandler.of("traced", Greeting.class, job -> null))
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              EnqueueResult r =
                  context
                      .getBean(MillraceTemplate.class)
                      .enqueue(JobRequest.of("traced", new Greeting("otel")).queue("traced"));
              Await.until(
                  "the attempt's span was exported",
                  () ->
                      exported.getFinishedSpanItems().stream()
                          .anyMatch(
                              s ->
                                  s.getName().equals("process traced")
                                      && Long.valueOf(r.id())
                                          .equals(
                                              s.getAttributes()
                                                  .get(AttributeKey.longKey("millrace.job.id")))));
            });
  }

  @Test
  void aPeriodicJobBeanIsRegisteredWithTheNode() {
    runner
        .withBean(
            "nightly",
            PeriodicJob.class,
            () ->
                PeriodicJob.of(
                    "nightly-report",
                    Schedule.cron("0 3 * * *"),
                    JobRequest.of("report", Map.of("kind", "daily"))))
        .withPropertyValues("millrace.external-kinds=report")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(
                      db.column(
                          "SELECT spec FROM {schema}.schedules WHERE name = 'nightly-report'"))
                  .containsExactly("cron:0 3 * * *");
            });
  }

  @Test
  void theApplicationsMeterRegistryReceivesMillracesMeters() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    runner
        .withBean(SimpleMeterRegistry.class, () -> registry)
        .run(
            context -> {
              assertThat(context.getBean(Millrace.class).meters()).isSameAs(registry);
              assertThat(registry.getMeters()).isNotEmpty();
            });
  }

  @Test
  void millraceEnabledFalseTurnsItOff() {
    runner
        .withPropertyValues("millrace.enabled=false")
        .run(
            context ->
                assertThat(context)
                    .hasNotFailed()
                    .doesNotHaveBean(Millrace.class)
                    .doesNotHaveBean(MillraceTemplate.class));
  }

  @Test
  void twoHandlerBeansForOneKindFailNamingTheBean() {
    runner
        .withBean("first", MillraceHandler.class, () -> MillraceHandler.of("k", Map.class, j -> 1))
        .withBean("second", MillraceHandler.class, () -> MillraceHandler.of("k", Map.class, j -> 2))
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .hasStackTraceContaining("Millrace handler bean 'second' is invalid")
                    .hasStackTraceContaining("a handler for 'k' is already registered"));
  }

  @Test
  void theJarDescribesEveryPropertyForIdes() throws Exception {
    try (InputStream in =
        MillraceProperties.class
            .getClassLoader()
            .getResourceAsStream("META-INF/spring-configuration-metadata.json")) {
      assertThat(in).as("configuration metadata generated into the jar").isNotNull();
      String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(json)
          .contains("\"millrace.queues\"")
          .contains("\"millrace.shutdown-timeout\"")
          .contains("\"millrace.workflows.stale-after\"")
          .contains("\"millrace.retention.completed\"")
          .contains("How long a claim is valid without a heartbeat");
    }
  }
}
