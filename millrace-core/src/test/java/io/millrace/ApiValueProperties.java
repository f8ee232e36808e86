package io.millrace;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.millrace.backfills.Backfill;
import io.millrace.base.Json;
import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import io.millrace.internal.sql.Instants;
import io.millrace.jobs.BulkActions;
import io.millrace.jobs.EnqueueResult;
import io.millrace.jobs.Job;
import io.millrace.jobs.JobAdmin;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.JobsTestAccess;
import io.millrace.jobs.PeriodicJob;
import io.millrace.jobs.Schedule;
import io.millrace.projections.Event;
import io.millrace.projections.EventStore;
import io.millrace.projections.NewEvent;
import io.millrace.schema.SchemaName;
import io.millrace.testing.TestDatabase;
import io.millrace.workflows.SubmittedWorkflow;
import io.millrace.workflows.WorkflowRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Generated values thrown at the Java API's entry points: each call either is accepted and its
 * values read back as given, or fails with a {@link ValidationException} naming one of the fields
 * it was given, having written nothing. Never another exception (a PostgreSQL error, an arithmetic
 * overflow, a NullPointerException).
 */
class ApiValueProperties {
  static TestDatabase db;
  static Millrace client;
  static final AtomicLong SEQUENCE = new AtomicLong();

  @BeforeContainer
  static void start() {
    db = TestDatabase.create("apivalues");
    client = db.migratedClient();
  }

  @AfterContainer
  static void stop() {
    client.close();
    db.close();
  }

  @Provide
  Arbitrary<String> texts() {
    return Values.texts();
  }

  @Provide
  Arbitrary<String> names() {
    return Values.names();
  }

  @Provide
  Arbitrary<JsonNode> documents() {
    return Values.documents();
  }

  @Provide
  Arbitrary<Instant> instants() {
    return Values.instants().injectNull(0.3);
  }

  @Provide
  Arbitrary<Duration> durations() {
    return Values.durations().injectNull(0.5);
  }

  /** Instants anywhere in the stored range, to the microsecond (PostgreSQL's precision). */
  @Provide
  Arbitrary<Instant> storableInstants() {
    long min = Storable.MIN_INSTANT.getEpochSecond();
    long max = Storable.MAX_INSTANT.getEpochSecond();
    return Arbitraries.oneOf(
        Combinators.combine(
                Arbitraries.longs().between(min, max), Arbitraries.integers().between(0, 999_999))
            .as((s, micros) -> Instant.ofEpochSecond(s, micros * 1_000L)),
        Arbitraries.of(
            Storable.MIN_INSTANT,
            Storable.MAX_INSTANT,
            Instant.parse("1582-10-04T23:59:59.999999Z"),
            Instant.parse("1582-10-15T00:00:00Z"),
            Instant.parse("1500-06-15T00:00:00Z"),
            Instant.parse("0001-03-01T00:00:00Z")));
  }

  private static final DateTimeFormatter UTC_TEXT =
      DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC);

  /**
   * Every instant of the stored range is written as the instant PostgreSQL shows in UTC (the
   * proleptic Gregorian calendar on both sides) and read back equal, through the shared binding and
   * through a job's run-at, read by id, by listing and by a creation-time filter.
   */
  @Property(tries = 200)
  void everyStorableInstantIsWrittenAndReadAsItIs(@ForAll("storableInstants") Instant t)
      throws Exception {
    try (var c = db.dataSource().getConnection();
        var ps =
            c.prepareStatement(
                "SELECT ?::timestamptz, to_char(?::timestamptz AT TIME ZONE 'UTC',"
                    + " 'YYYY-MM-DD HH24:MI:SS.US')")) {
      Instants.set(ps, 1, t);
      Instants.set(ps, 2, t);
      try (var rs = ps.executeQuery()) {
        rs.next();
        assertThat(Instants.get(rs, 1)).isEqualTo(t);
        assertThat(rs.getString(2)).isEqualTo(UTC_TEXT.format(t));
      }
    }
    long id =
        client.enqueue(JobRequest.of("instant", java.util.Map.of()).queue("idle").runAt(t)).id();
    Job job = client.admin().get(id).orElseThrow();
    assertThat(job.runAt()).isEqualTo(t);
    assertThat(
            db.column(
                "SELECT to_char(run_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM {schema}.jobs WHERE id = "
                    + id))
        .containsExactly(UTC_TEXT.format(t));
    List<Job> listed =
        client.admin().list(new JobAdmin.Filter("idle", null, null, null, t, null, id + 1, 1));
    // Created now: a lower creation bound at or before now lists it, a later one does not.
    assertThat(listed.stream().anyMatch(j -> j.id() == id)).isEqualTo(!t.isAfter(job.createdAt()));
    if (!listed.isEmpty() && listed.get(0).id() == id) {
      assertThat(listed.get(0).runAt()).isEqualTo(t);
    }
  }

  /** Rows anywhere a rejected call could have written. */
  private static long rows() {
    return db.count("FROM {schema}.jobs")
        + db.count("FROM {schema}.job_history")
        + db.count("FROM {schema}.workflows")
        + db.count("FROM {schema}.events")
        + db.count("FROM {schema}.schedules");
  }

  /**
   * Runs {@code call}; on a {@link ValidationException} checks that it names one of {@code fields}
   * and that nothing was written, and returns null. Any other exception fails the property.
   */
  private static <T> T acceptedOrRejected(Set<String> fields, Supplier<T> call) {
    long before = rows();
    try {
      return call.get();
    } catch (ValidationException e) {
      assertThat(fields).as(e.getMessage()).anyMatch(f -> e.field().startsWith(f));
      assertThat(rows()).as("rows after a rejected call").isEqualTo(before);
      return null;
    }
  }

  @Property(tries = 150)
  void anEnqueuedJobIsStoredAsGivenOrRefusedNamingAField(
      @ForAll("names") String kind,
      @ForAll("documents") JsonNode args,
      @ForAll boolean argsAsText,
      @ForAll("texts") String uniqueKey,
      @ForAll("texts") String tag,
      @ForAll("instants") Instant runAt,
      @ForAll("durations") Duration delay,
      @ForAll("durations") Duration timeout) {
    String queue = "idle";
    Set<String> fields = Set.of("kind", "args", "uniqueKey", "tags", "runAt", "delay", "timeout");
    Instant enqueuedFrom = Instant.now();
    JobRequest[] built = new JobRequest[1];
    EnqueueResult result =
        acceptedOrRejected(
            fields,
            () -> {
              JobRequest r =
                  argsAsText
                      ? JobRequest.ofJson(kind, Values.text(args))
                      : JobRequest.of(kind, args);
              r.queue(queue).uniqueKey(uniqueKey + "#" + SEQUENCE.incrementAndGet()).tags(tag);
              if (runAt != null) {
                r.runAt(runAt);
              }
              if (delay != null) {
                r.delay(delay);
              }
              if (timeout != null) {
                r.timeout(timeout);
              }
              built[0] = r;
              return client.enqueue(r);
            });
    if (result == null) {
      return;
    }
    Job job = client.admin().get(result.id()).orElseThrow();
    // As text, the document says what Jackson wrote (a NaN is written as the string "NaN").
    JsonNode given = argsAsText ? Json.tree(Values.text(args)) : args;
    assertThat(Values.sameJson(job.args(), given)).as("args read back as given").isTrue();
    assertThat(job.uniqueKey()).isEqualTo(built[0].uniqueKey());
    assertThat(job.tags()).containsExactly(tag);
    if (delay != null) {
      assertThat(job.runAt())
          .isBetween(
              enqueuedFrom.plus(delay).truncatedTo(ChronoUnit.MICROS), Instant.now().plus(delay));
    } else if (runAt != null) {
      assertThat(job.runAt()).isEqualTo(runAt.truncatedTo(ChronoUnit.MICROS));
    }
    Job listed =
        client
            .admin()
            .list(new JobAdmin.Filter(queue, null, null, null, result.id() + 1, 1))
            .get(0);
    assertThat(listed.runAt()).isEqualTo(job.runAt());
  }

  @Property(tries = 100)
  void listingAndBulkFiltersAreUsedOrRefusedNamingAField(
      @ForAll("texts") String kind,
      @ForAll("texts") String tag,
      @ForAll("instants") Instant createdFrom,
      @ForAll("instants") Instant createdTo) {
    Set<String> fields = Set.of("kind", "tag", "createdFrom", "createdTo", "filter");
    acceptedOrRejected(
        fields,
        () -> {
          JobAdmin.Filter filter =
              new JobAdmin.Filter(
                  "nothing-queued-here", null, kind, tag, createdFrom, createdTo, null, 50);
          client.admin().list(filter);
          return client.admin().bulk(BulkActions.Action.CANCEL, filter, 100);
        });
  }

  @Property(tries = 100)
  void aWorkflowIsStoredAsGivenOrRefusedNamingAField(
      @ForAll("texts") String name,
      @ForAll("texts") String stepName,
      @ForAll("texts") String parent,
      @ForAll("documents") JsonNode args,
      @ForAll("instants") Instant runAt) {
    Set<String> fields = Set.of("name", "steps", "args", "runAt");
    SubmittedWorkflow submitted =
        acceptedOrRejected(
            fields,
            () -> {
              JobRequest first = JobRequest.of("wf.step", args).queue("idle");
              if (runAt != null) {
                first.runAt(runAt);
              }
              WorkflowRequest request =
                  WorkflowRequest.named(name)
                      .step(stepName, first)
                      .step("then", JobRequest.of("wf.step", java.util.Map.of()), parent);
              return client.workflows().submit(request);
            });
    if (submitted == null) {
      return;
    }
    assertThat(submitted.jobIds().keySet()).containsExactlyInAnyOrder(stepName, "then");
    Job first = client.admin().get(submitted.jobIds().get(stepName)).orElseThrow();
    assertThat(Values.sameJson(first.args(), args)).isTrue();
    if (runAt != null) {
      assertThat(first.runAt()).isEqualTo(runAt.truncatedTo(ChronoUnit.MICROS));
    }
    assertThat(client.workflows().get(submitted.id()).orElseThrow().workflow().name())
        .isEqualTo(name);
  }

  @Property(tries = 100)
  void anAppendedEventIsStoredAsGivenOrRefusedNamingAField(
      @ForAll("texts") String stream,
      @ForAll("texts") String type,
      @ForAll("documents") JsonNode data,
      @ForAll("documents") JsonNode metadata,
      @ForAll boolean asText) {
    Set<String> fields = Set.of("stream", "type", "data", "metadata");
    String uniqueStream = stream + "#" + SEQUENCE.incrementAndGet();
    // withMetadata takes a map: what the map holds (decimals become doubles) is what is given.
    java.util.Map<?, ?> metadataMap =
        metadata.isObject() ? Json.MAPPER.convertValue(metadata, java.util.Map.class) : null;
    Object appended =
        acceptedOrRejected(
            fields,
            () -> {
              NewEvent event =
                  asText || metadataMap == null
                      ? new NewEvent(type, Values.text(data), Values.text(metadata))
                      : NewEvent.of(type, data).withMetadata(cast(metadataMap));
              return client.events().append(uniqueStream, EventStore.NO_STREAM, List.of(event));
            });
    if (appended == null) {
      return;
    }
    Event read = client.events().readStream(uniqueStream, 1, 10).get(0);
    assertThat(read.type()).isEqualTo(type);
    JsonNode givenData = asText ? Json.tree(Values.text(data)) : data;
    JsonNode givenMetadata =
        asText || metadataMap == null
            ? Json.tree(Values.text(metadata))
            : Json.MAPPER.valueToTree(metadataMap);
    assertThat(Values.sameJson(Json.tree(read.dataJson()), givenData)).isTrue();
    assertThat(Values.sameJson(Json.tree(read.metadataJson()), givenMetadata)).isTrue();
  }

  @SuppressWarnings("unchecked")
  private static java.util.Map<String, ?> cast(java.util.Map<?, ?> map) {
    return (java.util.Map<String, ?>) map;
  }

  @Property(tries = 100)
  void aPeriodicScheduleIsStoredAsGivenOrRefusedNamingAField(
      @ForAll("texts") String cron, @ForAll("durations") Duration every, @ForAll boolean useCron) {
    Set<String> fields = Set.of("cron", "schedule");
    String name = "periodic-" + SEQUENCE.incrementAndGet();
    Schedule schedule =
        acceptedOrRejected(
            fields,
            () -> {
              Schedule s = useCron ? Schedule.cron(cron) : Schedule.every(every);
              JobsTestAccess.registerPeriodic(
                  db.dataSource(),
                  SchemaName.of(db.schema()),
                  List.of(PeriodicJob.of(name, s, JobRequest.of("tick", java.util.Map.of()))));
              return s;
            });
    if (schedule == null) {
      return;
    }
    assertThat(db.column("SELECT spec FROM {schema}.schedules WHERE name = '" + name + "'"))
        .containsExactly(schedule.spec());
  }

  @Property(tries = 100)
  void aBackfillDefinitionIsBuiltOrRefusedNamingAField(
      @ForAll("texts") String name,
      @ForAll("texts") String table,
      @ForAll("texts") String filter,
      @ForAll("texts") String statement,
      @ForAll("durations") Duration batchTime,
      @ForAll("durations") Duration yield) {
    Set<String> fields =
        Set.of("name", "table", "filter", "sql", "targetBatchTime", "yieldBetweenBatches");
    acceptedOrRejected(
        fields,
        () -> {
          Backfill.Builder b =
              Backfill.builder(name).target(db.dataSource()).table(table).key("id");
          b.filter(filter).sql("UPDATE t SET x = 1 WHERE {range} AND " + statement);
          if (batchTime != null) {
            b.targetBatchTime(batchTime);
          }
          if (yield != null) {
            b.yieldBetweenBatches(yield);
          }
          return b.build();
        });
  }

  @Property(tries = 100)
  void queueCountsAnswerOrRefuseNamingAField(@ForAll("texts") String queue) {
    acceptedOrRejected(
        Set.of("queues"),
        () -> {
          client.counts().fast(List.of(queue));
          return client.counts().exact(List.of(queue, "default"));
        });
  }

  @Property(tries = 100)
  void documentLookupsAnswerOrRefuseNamingAField(
      @ForAll("texts") String projection, @ForAll("texts") String id) {
    acceptedOrRejected(
        Set.of("projection", "id", "afterId"),
        () -> {
          client.projections().document(projection, id);
          return client.projections().documents(projection, id, 10);
        });
  }
}
