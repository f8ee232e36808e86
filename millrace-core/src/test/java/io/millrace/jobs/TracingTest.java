package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.millrace.Millrace;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import io.millrace.workflows.SubmittedWorkflow;
import io.millrace.workflows.WorkflowRequest;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A job's trace follows it: the context current at enqueue (single, bulk, workflow submit) is
 * stored with it, each attempt runs in a consumer span linked to it, failures are recorded on the
 * span; periodic ticks and untraced callers store nothing. And the operator's meters: pickup delay
 * and handler duration as histograms, the oldest due job's age per queue.
 */
class TracingTest {
  static TestDatabase db;
  static Millrace node;
  static final InMemorySpanExporter exported = InMemorySpanExporter.create();
  static final SdkTracerProvider provider =
      SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exported)).build();
  static final OpenTelemetrySdk sdk =
      OpenTelemetrySdk.builder().setTracerProvider(provider).build();
  static final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  static final Map<Long, SpanContext> currentInHandler = new ConcurrentHashMap<>();

  /** The distribution settings each meter was registered with. */
  static final Map<String, DistributionStatisticConfig> distributions = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() {
    db = TestDatabase.create("tracing");
    meters
        .config()
        .meterFilter(
            new MeterFilter() {
              @Override
              public DistributionStatisticConfig configure(
                  Meter.Id id, DistributionStatisticConfig config) {
                distributions.put(id.getName(), config);
                return config;
              }
            });
    node =
        db.builder()
            .openTelemetry(sdk)
            .meterRegistry(meters)
            .backoff(new Backoff(Duration.ofMillis(50), Duration.ofMillis(100), 0))
            .queue("default", 4)
            .handler(
                "traced.ok",
                Map.class,
                job -> {
                  currentInHandler.put(job.id(), Span.current().getSpanContext());
                  return "ok";
                })
            .handler(
                "traced.flaky",
                Map.class,
                job -> {
                  if (job.attempt() == 1) {
                    throw new IllegalStateException("the first attempt fails");
                  }
                  return "ok";
                })
            .periodic(
                PeriodicJob.of(
                    "traced-yearly",
                    Schedule.cron("0 0 1 1 *"),
                    JobRequest.of("traced.ok", Map.of("tick", true))))
            .build();
    node.migrate();
    node.start();
  }

  @AfterAll
  static void stop() {
    node.close();
    db.close();
    sdk.close();
  }

  static List<SpanData> spansOf(long jobId) {
    return exported.getFinishedSpanItems().stream()
        .filter(s -> Long.valueOf(jobId).equals(s.getAttributes().get(JobTracing.JOB_ID)))
        .sorted(
            (a, b) ->
                Long.compare(
                    a.getAttributes().get(JobTracing.ATTEMPT),
                    b.getAttributes().get(JobTracing.ATTEMPT)))
        .toList();
  }

  static List<SpanData> awaitSpans(long jobId, int attempts) {
    Await.until(
        "job " + jobId + "'s " + attempts + " attempt span(s)",
        () -> spansOf(jobId).size() >= attempts);
    return spansOf(jobId);
  }

  /** The trace and span ids each link points to. */
  static List<String> links(SpanData span) {
    return span.getLinks().stream().map(LinkData::getSpanContext).map(TracingTest::ids).toList();
  }

  static String ids(SpanContext context) {
    return context.getTraceId() + "/" + context.getSpanId();
  }

  @Test
  void eachAttemptIsAConsumerSpanLinkedToTheEnqueuingSpanAndFailuresAreRecorded() {
    Span request = provider.get("test").spanBuilder("request").startSpan();
    long id;
    try (Scope scope = request.makeCurrent()) {
      id = node.enqueue(JobRequest.of("traced.flaky", Map.of())).id();
    } finally {
      request.end();
    }
    List<SpanData> attempts = awaitSpans(id, 2);
    assertThat(attempts).hasSize(2);
    for (SpanData span : attempts) {
      assertThat(span.getKind()).isEqualTo(SpanKind.CONSUMER);
      assertThat(span.getName()).isEqualTo("process default");
      assertThat(links(span)).containsExactly(ids(request.getSpanContext()));
      // A trace of its own: linked, not a child of the request.
      assertThat(span.getParentSpanContext().isValid()).isFalse();
      assertThat(span.getTraceId()).isNotEqualTo(request.getSpanContext().getTraceId());
      assertThat(span.getAttributes().get(JobTracing.MESSAGING_SYSTEM)).isEqualTo("millrace");
      assertThat(span.getAttributes().get(JobTracing.JOB_KIND)).isEqualTo("traced.flaky");
      assertThat(span.getAttributes().get(JobTracing.QUEUE)).isEqualTo("default");
    }
    SpanData first = attempts.get(0);
    assertThat(first.getAttributes().get(JobTracing.ATTEMPT)).isEqualTo(1L);
    assertThat(first.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(first.getStatus().getDescription()).contains("the first attempt fails");
    assertThat(first.getEvents())
        .anySatisfy(
            e ->
                assertThat(e.getAttributes().asMap().values())
                    .contains(IllegalStateException.class.getName()));
    SpanData second = attempts.get(1);
    assertThat(second.getAttributes().get(JobTracing.ATTEMPT)).isEqualTo(2L);
    assertThat(second.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    // History keeps the context the job was enqueued under.
    Await.until(
        "job " + id + " completed",
        () -> db.count("FROM {schema}.job_history WHERE state = 'completed' AND id = " + id) == 1);
    assertThat(
            db.column(
                "SELECT trace_context->>'traceparent' FROM {schema}.job_history WHERE id = " + id))
        .containsExactly(
            "00-"
                + request.getSpanContext().getTraceId()
                + "-"
                + request.getSpanContext().getSpanId()
                + "-"
                + request.getSpanContext().getTraceFlags().asHex());
  }

  @Test
  void bulkEnqueueAndWorkflowStepsLinkToTheSpanThatEnqueuedThem() {
    Span batch = provider.get("test").spanBuilder("batch").startSpan();
    List<EnqueueResult> bulk;
    SubmittedWorkflow wf;
    try (Scope scope = batch.makeCurrent()) {
      bulk =
          node.enqueueAll(
              List.of(
                  JobRequest.of("traced.ok", Map.of("n", 1)),
                  JobRequest.of("traced.ok", Map.of("n", 2)),
                  JobRequest.of("traced.ok", Map.of("n", 3))));
      wf =
          node.workflows()
              .submit(
                  WorkflowRequest.named("traced")
                      .step("first", JobRequest.of("traced.ok", Map.of()))
                      .step("second", JobRequest.of("traced.ok", Map.of()), "first"));
    } finally {
      batch.end();
    }
    for (EnqueueResult r : bulk) {
      SpanData span = awaitSpans(r.id(), 1).get(0);
      assertThat(links(span)).containsExactly(ids(batch.getSpanContext()));
      // The attempt's span is current while the handler runs.
      assertThat(currentInHandler.get(r.id())).isEqualTo(span.getSpanContext());
    }
    // Each step links to the span that submitted the workflow; the second step also to the span
    // of the attempt that completed the first.
    SpanData first = awaitSpans(wf.jobId("first"), 1).get(0);
    assertThat(links(first)).containsExactly(ids(batch.getSpanContext()));
    SpanData second = awaitSpans(wf.jobId("second"), 1).get(0);
    assertThat(links(second))
        .containsExactly(ids(batch.getSpanContext()), ids(first.getSpanContext()));
  }

  @Test
  void untracedEnqueuesAndPeriodicTicksStoreNothingAndTheirAttemptsHaveNoLink() {
    long untraced = node.enqueue(JobRequest.of("traced.ok", Map.of("untraced", true))).id();
    // A tick fired from traced code still has no producer.
    Span caller = provider.get("test").spanBuilder("caller").startSpan();
    try (Scope scope = caller.makeCurrent()) {
      assertThat(node.firePeriodicJobs(Instant.now().plus(Duration.ofDays(400)))).isEqualTo(1);
    } finally {
      caller.end();
    }
    long tick =
        Long.parseLong(
            db.column(
                    "SELECT id FROM {schema}.jobs WHERE 'periodic:traced-yearly' = ANY(tags)"
                        + " UNION ALL SELECT id FROM {schema}.job_history"
                        + " WHERE 'periodic:traced-yearly' = ANY(tags)")
                .get(0));
    for (long id : List.of(untraced, tick)) {
      SpanData span = awaitSpans(id, 1).get(0);
      assertThat(span.getLinks()).isEmpty();
      Await.until(
          "job " + id + " in history",
          () -> db.count("FROM {schema}.job_history WHERE id = " + id) == 1);
      assertThat(db.count("FROM {schema}.job_history WHERE trace_context IS NULL AND id = " + id))
          .isEqualTo(1);
    }
  }

  @Test
  void pickupDelayAndHandlerDurationAreHistograms() {
    long id = node.enqueue(JobRequest.of("traced.ok", Map.of("metrics", true))).id();
    awaitSpans(id, 1);
    Timer pickup = meters.get("millrace.jobs.pickup.delay").tag("queue", "default").timer();
    Timer handler =
        meters
            .get("millrace.jobs.handler.duration")
            .tags("queue", "default", "kind", "traced.ok")
            .timer();
    for (Timer timer : List.of(pickup, handler)) {
      assertThat(timer.count()).isPositive();
      // Published as a percentile histogram (Prometheus _bucket series, aggregable across nodes).
      DistributionStatisticConfig config = distributions.get(timer.getId().getName());
      assertThat(config.isPercentileHistogram()).isTrue();
      assertThat(config.getMaximumExpectedValueAsDouble()).isEqualTo(3.6e12);
    }
  }

  @Test
  void theOldestDueJobsAgeIsSampledPerQueueAcrossPriorities() {
    // Not worked by the node: the jobs stay due. The oldest due job has a low priority, a newer one
    // a higher priority, and a job scheduled for later (the oldest run_at of all) is not due.
    db.execute(
        "INSERT INTO {schema}.jobs (queue, kind, args, state, max_attempts, priority, run_at)"
            + " VALUES ('lagging', 'k', '{}', 'available', 1, 0, now() - interval '2 hours'),"
            + " ('lagging', 'k', '{}', 'available', 1, 5, now() - interval '1 hour'),"
            + " ('lagging', 'k', '{}', 'scheduled', 1, 9, now() + interval '1 hour')");
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    QueueLag lag =
        new QueueLag(
            db.dataSource(),
            io.millrace.schema.SchemaName.of(db.schema()),
            List.of("lagging", "idle"),
            registry);
    lag.sample();
    Gauge lagging = registry.get("millrace.queue.oldest.due.age").tag("queue", "lagging").gauge();
    Gauge idle = registry.get("millrace.queue.oldest.due.age").tag("queue", "idle").gauge();
    assertThat(lagging.value()).isBetween(7_200.0, 7_200.0 + 600);
    assertThat(idle.value()).isZero();
  }
}
