package io.millrace.projections;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A new fingerprint with blue/green: the old version keeps answering queries (and readiness) while
 * the new one builds under its own key, events keep arriving, and the swap happens in one step.
 */
@Tag("compat")
class BlueGreenTest {
  TestDatabase db;
  Millrace client;

  @BeforeEach
  void setUp() {
    db = TestDatabase.create("bluegreen");
    client = db.migratedClient();
  }

  @AfterEach
  void tearDown() {
    client.close();
    db.close();
  }

  static Projection counter(String version, CountDownLatch hold) {
    return Projection.named("bg")
        .version(version)
        .pageSize(50)
        .blueGreen()
        .required()
        .handler(
            (e, ctx) -> {
              hold.await();
              long n = ctx.documents().get("total").map(d -> d.get("n").asLong()).orElse(0L);
              ctx.documents().put("total", Map.of("n", n + 1, "version", version));
            })
        .build();
  }

  @Test
  void theOldVersionServesWhileTheNewBuildsThenTheyTradePlacesAtOnce() {
    append(300);
    Millrace v1 = db.builder().nodeId("v1").projection(counter("1", new CountDownLatch(0))).build();
    v1.start();
    Await.until(
        "v1 ready",
        () ->
            v1.projections().queryStatus("bg") == QueryStatus.READY
                && v1.projections()
                    .document("bg", "total")
                    .map(d -> d.get("n").asLong() == 300)
                    .orElse(false));
    v1.close();

    CountDownLatch hold = new CountDownLatch(1);
    Millrace v2 = db.builder().nodeId("v2").projection(counter("2", hold)).build();
    try {
      v2.start();
      Await.until(
          "v2 builds side by side",
          () ->
              db.count("FROM {schema}.projections WHERE name = 'bg@2'") == 1
                  && v2.readiness().report().ready());
      append(20);
      // Meanwhile queries and readiness are served by version 1.
      assertThat(v2.projections().queryStatus("bg")).isEqualTo(QueryStatus.READY);
      assertThat(v2.projections().document("bg", "total").orElseThrow().get("version").asText())
          .isEqualTo("1");
      assertThat(v2.readiness().report().checks().get(1).message())
          .contains("previous version")
          .contains("bg@2");

      hold.countDown();
      Await.until(
          "v2 serves",
          () ->
              "2"
                      .equals(
                          db.column(
                                  "SELECT fingerprint FROM {schema}.projections WHERE name = 'bg'")
                              .get(0))
                  && v2.projections()
                      .document("bg", "total")
                      .map(d -> d.get("n").asLong() == 320)
                      .orElse(false));
      assertThat(v2.projections().document("bg", "total").orElseThrow().get("version").asText())
          .isEqualTo("2");
      assertThat(db.column("SELECT name FROM {schema}.projections")).containsExactly("bg");
      assertThat(db.count("FROM {schema}.projection_documents WHERE projection <> 'bg'")).isZero();
      assertThat(v2.projections().get("bg").orElseThrow().eventsApplied()).isEqualTo(320);
      append(10);
      Await.until(
          "tails as usual",
          () ->
              v2.projections()
                  .document("bg", "total")
                  .map(d -> d.get("n").asLong() == 330)
                  .orElse(false));
    } finally {
      hold.countDown();
      v2.close();
    }
  }

  @Test
  void aFailedBuildLeavesTheOldVersionServingUntilRetried() {
    append(100);
    Millrace v1 = db.builder().nodeId("v1").projection(counter("1", new CountDownLatch(0))).build();
    v1.start();
    Await.until("v1 ready", () -> v1.projections().queryStatus("bg") == QueryStatus.READY);
    v1.close();
    java.util.concurrent.atomic.AtomicBoolean broken =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    Millrace v2 =
        db.builder()
            .nodeId("v2")
            .projection(
                Projection.named("bg")
                    .version("2")
                    .blueGreen()
                    .handler(
                        (e, ctx) -> {
                          if (broken.get()) {
                            throw new IllegalStateException("v2 cannot read this");
                          }
                          long n =
                              ctx.documents().get("total").map(d -> d.get("n").asLong()).orElse(0L);
                          ctx.documents().put("total", Map.of("n", n + 1, "version", "2"));
                        })
                    .build())
            .build();
    try {
      v2.start();
      Await.until(
          "the build failed",
          () ->
              "failed"
                  .equals(
                      db.column(
                              "SELECT coalesce(max(status), '') FROM {schema}.projections WHERE name = 'bg@2'")
                          .get(0)));
      assertThat(v2.projections().queryStatus("bg")).isEqualTo(QueryStatus.READY);
      assertThat(v2.projections().document("bg", "total").orElseThrow().get("version").asText())
          .isEqualTo("1");
      broken.set(false);
      assertThat(v2.projections().retry("bg")).isEqualTo(Projections.Request.ACCEPTED);
      Await.until(
          "v2 serves",
          () ->
              v2.projections()
                  .document("bg", "total")
                  .map(d -> d.get("version").asText().equals("2") && d.get("n").asLong() == 100)
                  .orElse(false));
    } finally {
      v2.close();
    }
  }

  /** A build whose runner dies halfway resumes from its own checkpoint on the next node. */
  @Test
  void anInterruptedBuildResumesFromItsOwnCheckpoint() {
    append(300);
    Millrace v1 = db.builder().nodeId("v1").projection(counter("1", new CountDownLatch(0))).build();
    v1.start();
    Await.until("v1 ready", () -> v1.projections().queryStatus("bg") == QueryStatus.READY);
    v1.close();
    java.util.concurrent.atomic.AtomicInteger pages =
        new java.util.concurrent.atomic.AtomicInteger();
    FaultPoints dieOnThirdPage =
        (point, end) -> {
          if (point == FaultPoints.Point.BEFORE_PAGE && pages.incrementAndGet() == 3) {
            throw new CrashConvergenceTest.Crash("before the third page of the build");
          }
        };
    Projection doomedV2 =
        Projection.named("bg")
            .version("2")
            .pageSize(50)
            .blueGreen()
            .faults(dieOnThirdPage)
            .handler(
                (e, ctx) -> {
                  long n = ctx.documents().get("total").map(d -> d.get("n").asLong()).orElse(0L);
                  ctx.documents().put("total", Map.of("n", n + 1, "version", "2"));
                })
            .build();
    Millrace doomed = db.builder().nodeId("doomed").projection(doomedV2).build();
    doomed.start();
    Await.until("the build dies after two pages", () -> pages.get() >= 3);
    doomed.close();
    assertThat(db.column("SELECT events_applied FROM {schema}.projections WHERE name = 'bg@2'"))
        .containsExactly("100");
    assertThat(client.projections().document("bg", "total").orElseThrow().get("version").asText())
        .isEqualTo("1");

    Millrace v2 = db.builder().nodeId("v2").projection(counter("2", new CountDownLatch(0))).build();
    try {
      v2.start();
      Await.until(
          "v2 serves",
          () ->
              v2.projections()
                  .document("bg", "total")
                  .map(d -> d.get("version").asText().equals("2") && d.get("n").asLong() == 300)
                  .orElse(false));
      assertThat(
              v2.meters()
                  .get("millrace.projection.events.replayed")
                  .tag("projection", "bg")
                  .counter()
                  .count())
          .isEqualTo(200);
    } finally {
      v2.close();
    }
  }

  private void append(int n) {
    for (int i = 0; i < n; i += 10) {
      client
          .events()
          .append(
              "s",
              EventStore.ANY,
              List.of(
                  NewEvent.json("e", "{}"),
                  NewEvent.json("e", "{}"),
                  NewEvent.json("e", "{}"),
                  NewEvent.json("e", "{}"),
                  NewEvent.json("e", "{}"),
                  NewEvent.json("e", "{}"),
                  NewEvent.json("e", "{}"),
                  NewEvent.json("e", "{}"),
                  NewEvent.json("e", "{}"),
                  NewEvent.json("e", "{}")));
    }
  }
}
