package io.millrace.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.millrace.Millrace;
import io.millrace.base.Json;
import io.millrace.projections.EventStore;
import io.millrace.projections.NewEvent;
import io.millrace.projections.Projection;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Projections over HTTP against a real database: {@code /health} at once, {@code /ready} only once
 * the required projection's state is durable, 503 with {@code X-Query-Status} on the document
 * endpoints and on an application's guarded route, list/show/retry/rebuild.
 */
class ProjectionsApiTest {
  static final HttpClient http = HttpClient.newHttpClient();
  static final int EVENTS = 2_000;

  TestDatabase db;
  Millrace node;
  MillraceServer server;
  Javalin app;
  final CountDownLatch release = new CountDownLatch(1);
  final AtomicBoolean broken = new AtomicBoolean();

  record Reply(int status, JsonNode json, HttpResponse<String> response) {}

  @BeforeEach
  void setUp() {
    db = TestDatabase.create("projapi");
    Millrace client = db.migratedClient();
    for (int i = 0; i < EVENTS / 100; i++) {
      List<NewEvent> batch = new ArrayList<>();
      for (int j = 0; j < 100; j++) {
        batch.add(NewEvent.json("added", "{\"amount\":" + (j % 7 + 1) + "}"));
      }
      client.events().append("cart-" + (i % 10), EventStore.ANY, batch);
    }
    client.close();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    node =
        db.builder()
            .meterRegistry(registry)
            .projection(
                Projection.named("carts")
                    .version("1")
                    .pageSize(100)
                    .required()
                    .stalenessBudget(java.time.Duration.ofSeconds(1))
                    .handler(
                        (e, ctx) -> {
                          release.await();
                          if (broken.get()) {
                            throw new IllegalStateException("bad cart event");
                          }
                          ObjectNode cart =
                              (ObjectNode)
                                  ctx.documents()
                                      .get(e.stream())
                                      .orElse(Json.MAPPER.createObjectNode());
                          cart.put(
                              "total",
                              cart.path("total").asLong() + e.data().get("amount").asLong());
                          cart.put("events", cart.path("events").asLong() + 1);
                          ctx.documents().put(e.stream(), cart);
                        })
                    .build())
            .build();
    node.start();
    server = MillraceServer.builder(node, registry).port(0).start();
    app =
        Javalin.create(
                config ->
                    config
                        .routes
                        .before("/carts/*", ProjectionGuard.require(node, "carts"))
                        .get(
                            "/carts/{id}",
                            ctx ->
                                ctx.json(
                                    node.projections()
                                        .document("carts", ctx.pathParam("id"))
                                        .orElseThrow())))
            .start("127.0.0.1", 0);
  }

  @AfterEach
  void tearDown() {
    release.countDown();
    app.stop();
    server.close();
    node.close();
    db.close();
  }

  @Test
  void healthAtOnceReadyOnlyWhenTheLastWriteIsDurable() throws Exception {
    // The handler is held: nothing is caught up, and still the server is live.
    assertThat(get("/health").status).isEqualTo(200);
    Reply notReady = get("/ready");
    assertThat(notReady.status).isEqualTo(503);
    assertThat(notReady.json.get("pending").toString()).contains("projection:carts");
    JsonNode check = find(notReady.json.get("checks"), "projection:carts");
    assertThat(check.get("details").has("lag")).isTrue();
    assertThat(check.get("details").has("etaSeconds")).isTrue();
    assertThat(check.get("details").has("eventsPerSecond")).isTrue();
    Reply doc = get("/api/projections/carts/documents/cart-1");
    assertThat(doc.status).isEqualTo(503);
    assertThat(doc.response.headers().firstValue("X-Query-Status")).contains("rebuilding");
    Reply guarded = getFrom(app.port(), "/carts/cart-1");
    assertThat(guarded.status).isEqualTo(503);
    assertThat(guarded.response.headers().firstValue("X-Query-Status")).contains("rebuilding");

    release.countDown();
    int polls = 0;
    while (get("/ready").status != 200) {
      polls++;
      Thread.sleep(5);
    }
    // The moment /ready says 200, a brand-new connection (no pool, no cache) sees every event.
    try (Connection fresh =
            DriverManager.getConnection(TestDatabase.jdbcUrl(), "postgres", "postgres");
        Statement s = fresh.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT sum((doc->>'events')::bigint) FROM \""
                    + db.schema()
                    + "\".projection_documents WHERE projection = 'carts'")) {
      rs.next();
      assertThat(rs.getLong(1))
          .as("events in the read model after %d polls", polls)
          .isEqualTo(EVENTS);
    }
    Reply ready = get("/api/projections/carts/documents/cart-1");
    assertThat(ready.status).isEqualTo(200);
    assertThat(ready.json.get("events").asLong()).isEqualTo(EVENTS / 10);
    assertThat(getFrom(app.port(), "/carts/cart-1").status).isEqualTo(200);
    Reply page = get("/api/projections/carts/documents?limit=4");
    assertThat(page.json.get("documents")).hasSize(4);
    assertThat(page.json.get("next").asText()).isEqualTo("cart-3");
    Reply rest = get("/api/projections/carts/documents?limit=100&after=cart-3");
    assertThat(rest.json.get("documents")).hasSize(6);
    assertThat(rest.json.get("next").isNull()).isTrue();
    assertThat(get("/api/projections/carts/documents/nope").status).isEqualTo(404);
    assertThat(get("/api/projections/nope/documents/x").status).isEqualTo(404);
    assertThat(get("/metrics").response.body())
        .contains("millrace_projection_events_replayed_total{projection=\"carts\"} 2000.0")
        .contains("millrace_projection_lag")
        .contains("millrace_projection_rebuild_duration");
  }

  @Test
  void aHorizonHeldPastTheStalenessBudgetAnswersStale() throws Exception {
    release.countDown();
    Await.until("ready", () -> get("/ready").status == 200);
    try (Connection holder =
        DriverManager.getConnection(TestDatabase.jdbcUrl(), "postgres", "postgres")) {
      holder.setAutoCommit(false);
      holder.createStatement().execute("SELECT pg_current_xact_id()");
      node.events()
          .append("cart-1", EventStore.ANY, List.of(NewEvent.json("added", "{\"amount\":1}")));
      Await.until("stale", () -> get("/ready").status == 503);
      JsonNode check = find(get("/ready").json.get("checks"), "projection:carts");
      assertThat(check.get("details").get("status").asText()).isEqualTo("stale");
      assertThat(check.get("message").asText()).contains("stale");
      Reply doc = get("/api/projections/carts/documents/cart-1");
      assertThat(doc.status).isEqualTo(503);
      assertThat(doc.response.headers().firstValue("X-Query-Status")).contains("stale");
      Reply guarded = getFrom(app.port(), "/carts/cart-1");
      assertThat(guarded.status).isEqualTo(503);
      assertThat(guarded.response.headers().firstValue("X-Query-Status")).contains("stale");
      assertThat(get("/metrics").response.body())
          .contains("millrace_projection_horizon_age_seconds{projection=\"carts\"}");
      holder.rollback();
    }
    Await.until("ready again", () -> get("/ready").status == 200);
    assertThat(get("/api/projections/carts/documents/cart-1").json.get("events").asLong())
        .isEqualTo(EVENTS / 10 + 1);
  }

  @Test
  void listShowRetryAndRebuild() throws Exception {
    broken.set(true);
    release.countDown();
    Await.until(
        "failed",
        () -> "failed".equals(get("/api/projections/carts").json.path("status").asText()));
    Reply show = get("/api/projections/carts");
    assertThat(show.json.get("error").asText()).contains("bad cart event");
    assertThat(show.json.get("node").asText()).isEqualTo("running");
    Reply failedDoc = get("/api/projections/carts/documents/cart-1");
    assertThat(failedDoc.status).isEqualTo(503);
    assertThat(failedDoc.response.headers().firstValue("X-Query-Status")).contains("failed");
    assertThat(get("/ready").json.toString()).contains("bad cart event");

    broken.set(false);
    Reply retry = post("/api/projections/carts/retry");
    assertThat(retry.status).isEqualTo(202);
    Await.until("ready after retry", () -> get("/ready").status == 200);
    assertThat(post("/api/projections/carts/retry").status).isEqualTo(409);

    Reply list = get("/api/projections");
    assertThat(list.json).hasSize(1);
    assertThat(list.json.get(0).get("name").asText()).isEqualTo("carts");
    assertThat(list.json.get(0).get("eventsApplied").asLong()).isEqualTo(EVENTS);
    assertThat(list.json.get(0).get("lag").asLong()).isZero();

    assertThat(post("/api/projections/carts/rebuild").status).isEqualTo(202);
    Await.until(
        "rebuilt",
        () ->
            get("/api/projections/carts/documents/cart-1").status == 200
                && node.meters().get("millrace.projection.events.replayed").counter().count()
                    >= 2 * EVENTS);
    assertThat(get("/api/projections/carts/documents/cart-1").json.get("events").asLong())
        .isEqualTo(EVENTS / 10);
    assertThat(post("/api/projections/nope/rebuild").status).isEqualTo(404);
    assertThat(get("/api/projections/nope").status).isEqualTo(404);
    Reply bad = get("/api/projections/bad%20name");
    assertThat(bad.status).isEqualTo(400);
    assertThat(bad.json.get("field").asText()).isEqualTo("projection");
  }

  private static JsonNode find(JsonNode checks, String name) {
    for (JsonNode c : checks) {
      if (c.get("name").asText().equals(name)) {
        return c;
      }
    }
    throw new AssertionError("no check " + name + " in " + checks);
  }

  private Reply get(String path) {
    return getFrom(server.port(), path);
  }

  private static Reply getFrom(int port, String path) {
    return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build());
  }

  private Reply post(String path) {
    return send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .POST(HttpRequest.BodyPublishers.noBody())
            .build());
  }

  private static Reply send(HttpRequest request) {
    try {
      HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
      JsonNode json =
          r.body().isEmpty() || !r.body().trim().startsWith("{") && !r.body().trim().startsWith("[")
              ? null
              : Json.parse(r.body());
      return new Reply(r.statusCode(), json, r);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
