package io.millrace.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.millrace.Millrace;
import io.millrace.base.Json;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MillraceServerTest {
  record Greeting(String name) {}

  static final String TOKEN = "s3cret";
  static final HttpClient http = HttpClient.newHttpClient();
  static TestDatabase db;
  static Millrace node;
  static MillraceServer open;
  static MillraceServer guarded;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("server");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    node =
        db.builder()
            .meterRegistry(registry)
            .queue("default", 4)
            .queue("side", 2)
            .handler(
                "greet", Greeting.class, job -> Map.of("greeting", "hello " + job.args().name()))
            .build();
    node.migrate();
    node.start();
    open = MillraceServer.builder(node, registry).port(0).start();
    guarded = MillraceServer.builder(node, registry).port(0).token(TOKEN).start();
  }

  @AfterAll
  static void stop() {
    guarded.close();
    open.close();
    node.close();
    db.close();
  }

  @Test
  void healthAnswersOk() throws Exception {
    Reply r = get(open, "/health");
    assertThat(r.status).isEqualTo(200);
    assertThat(r.json.get("status").asText()).isEqualTo("ok");
  }

  @Test
  void readyReportsTheSchemaCheck() throws Exception {
    Reply r = get(open, "/ready");
    assertThat(r.status).isEqualTo(200);
    assertThat(r.json.get("ready").asBoolean()).isTrue();
    assertThat(r.json.get("checks").get(0).get("name").asText()).isEqualTo("schema");
    assertThat(r.json.get("pending")).isEmpty();
  }

  @Test
  void enqueuedJobCompletesAndShowsItsResultAndMetrics() throws Exception {
    Reply created =
        post(
            open,
            "/api/jobs",
            "{\"kind\":\"greet\",\"args\":{\"name\":\"ada\"},\"tags\":[\"http\"]}",
            null);
    assertThat(created.status).isEqualTo(201);
    assertThat(created.json.get("duplicate").asBoolean()).isFalse();
    long id = created.json.get("id").asLong();
    Await.until("job completed", () -> "completed".equals(stateOf(id)));
    Reply job = get(open, "/api/jobs/" + id);
    assertThat(job.json.get("result").get("greeting").asText()).isEqualTo("hello ada");
    assertThat(job.json.get("args").get("name").asText()).isEqualTo("ada");
    assertThat(job.json.get("finishedAt").asText()).endsWith("Z");

    HttpResponse<String> metrics =
        http.send(
            HttpRequest.newBuilder(uri(open, "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
    assertThat(metrics.body()).contains("millrace_jobs_completed_total{");
  }

  @Test
  void uniqueKeyReturnsTheExistingJob() throws Exception {
    String body =
        "{\"kind\":\"greet\",\"args\":{\"name\":\"x\"},\"delaySeconds\":3600,\"uniqueKey\":\"once\"}";
    Reply first = post(open, "/api/jobs", body, null);
    Reply second = post(open, "/api/jobs", body, null);
    assertThat(first.status).isEqualTo(201);
    assertThat(second.status).isEqualTo(200);
    assertThat(second.json.get("duplicate").asBoolean()).isTrue();
    assertThat(second.json.get("id").asLong()).isEqualTo(first.json.get("id").asLong());
  }

  @Test
  void badInputIsRejectedNamingTheField() throws Exception {
    assertBadRequest(
        post(open, "/api/jobs", "{\"kind\":\"greet\",\"args\":\"not json\"}", null), "args");
    assertBadRequest(post(open, "/api/jobs", "{\"kind\":\"greet\",\"args\":{", null), "body");
    assertBadRequest(
        post(open, "/api/jobs", "{\"kind\":\"greet\",\"maxAttempts\":-1}", null), "maxAttempts");
    assertBadRequest(
        post(open, "/api/jobs", "{\"kind\":\"greet\",\"priority\":\"high\"}", null), "priority");
    assertBadRequest(
        post(open, "/api/jobs", "{\"kind\":\"greet\",\"maxAtempts\":3}", null), "maxAtempts");
    assertBadRequest(post(open, "/api/jobs", "{\"kind\":\"nobody.handles.this\"}", null), "kind");
    assertBadRequest(
        post(open, "/api/jobs", "{\"kind\":\"greet\",\"queue\":\"no spaces\"}", null), "queue");
    assertBadRequest(
        post(open, "/api/jobs", "{\"kind\":\"greet\",\"runAt\":\"tomorrow\"}", null), "runAt");
    assertBadRequest(get(open, "/api/jobs?state=exploded"), "state");
    assertBadRequest(get(open, "/api/jobs?limit=lots"), "limit");
    assertBadRequest(get(open, "/api/jobs?limit=0"), "limit");
    assertBadRequest(get(open, "/api/jobs/abc"), "id");
  }

  @Test
  void missingThingsAre404Json() throws Exception {
    Reply job = get(open, "/api/jobs/987654321");
    assertThat(job.status).isEqualTo(404);
    assertThat(job.json.get("error").asText()).contains("987654321");
    assertThat(post(open, "/api/jobs/987654321/cancel", "", null).status).isEqualTo(404);
    assertThat(post(open, "/api/jobs/987654321/retry", "", null).status).isEqualTo(404);
    Reply route = get(open, "/api/nothing-here");
    assertThat(route.status).isEqualTo(404);
    assertThat(route.json.has("error")).isTrue();
  }

  @Test
  void oversizedBodyIs413() throws Exception {
    String huge =
        "{\"kind\":\"greet\",\"args\":{\"name\":\"" + "x".repeat(3 * 1024 * 1024) + "\"}}";
    Reply r = post(open, "/api/jobs", huge, null);
    assertThat(r.status).isEqualTo(413);
    assertThat(r.json.has("error")).isTrue();
  }

  @Test
  void tokenGuardsMutationsOnly() throws Exception {
    String body = "{\"kind\":\"greet\",\"args\":{\"name\":\"t\"}}";
    Reply missing = post(guarded, "/api/jobs", body, null);
    assertThat(missing.status).isEqualTo(401);
    assertThat(missing.json.get("error").asText()).contains("token");
    assertThat(post(guarded, "/api/jobs", body, "Bearer wrong").status).isEqualTo(401);
    assertThat(post(guarded, "/api/jobs", body, "Bearer " + TOKEN).status).isEqualTo(201);
    assertThat(get(guarded, "/api/queues").status).isEqualTo(200);
    assertThat(get(guarded, "/health").status).isEqualTo(200);
    assertThat(post(guarded, "/api/storage/counters/rebuild", "", null).status).isEqualTo(401);
    assertThat(post(guarded, "/api/storage/counters/verify", "", null).status).isEqualTo(401);
  }

  @Test
  void countsAndCounterVerificationOverTheApi() throws Exception {
    long before = 0;
    for (JsonNode q : get(open, "/api/queues").json.get("queues")) {
      if (q.get("name").asText().equals("default")) {
        before = q.get("counts").get("completed").asLong();
      }
    }
    long id =
        post(open, "/api/jobs", "{\"kind\":\"greet\",\"args\":{\"name\":\"c\"}}", null)
            .json
            .get("id")
            .asLong();
    Await.until("job completed", () -> "completed".equals(stateOf(id)));
    Reply exact = get(open, "/api/queues?read=exact");
    assertThat(exact.json.get("exact").asBoolean()).isTrue();
    assertThat(exact.json.get("fromCounters").asBoolean()).isTrue();
    JsonNode counts = queue("default").get("counts");
    assertThat(counts.get("completed").asLong()).isGreaterThan(before);
    assertThat(counts.get("terminal").asLong())
        .isEqualTo(
            counts.get("completed").asLong()
                + counts.get("failed").asLong()
                + counts.get("cancelled").asLong());
    JsonNode fast = get(open, "/api/queues?read=fast").json;
    assertThat(fast.get("exact").asBoolean()).isFalse();
    // Trusted counters: the fast read is as exact as the exact one.
    assertThat(fast.get("accuracy").asText()).isEqualTo("exact");
    assertThat(exact.json.get("note").asText()).contains("trusted counters");
    Reply badRead = get(open, "/api/queues?read=sometimes");
    assertThat(badRead.status).isEqualTo(400);
    assertThat(badRead.json.get("field").asText()).isEqualTo("read");

    Reply verified = get(open, "/api/storage/counters");
    assertThat(verified.json.get("trusted").asBoolean()).isTrue();
    assertThat(verified.json.get("untrustedBecause").isNull()).isTrue();
    assertThat(verified.json.get("drift")).isEmpty();
    Reply rebuilt = post(open, "/api/storage/counters/rebuild", "", null);
    assertThat(rebuilt.status).isEqualTo(200);
    assertThat(rebuilt.json.get("trusted").asBoolean()).isTrue();
  }

  @Test
  void pausedQueueHoldsJobsUntilResumed() throws Exception {
    Reply paused = post(open, "/api/queues/side/pause", "", null);
    assertThat(paused.json.get("paused").asBoolean()).isTrue();
    assertThat(queue("side").get("paused").asBoolean()).isTrue();
    long id =
        post(
                open,
                "/api/jobs",
                "{\"kind\":\"greet\",\"queue\":\"side\",\"args\":{\"name\":\"p\"}}",
                null)
            .json
            .get("id")
            .asLong();
    assertThat(stateOf(id)).isEqualTo("available");
    assertThat(queue("side").get("counts").get("available").asLong()).isEqualTo(1);

    post(open, "/api/queues/side/resume", "", null);
    assertThat(queue("side").get("paused").asBoolean()).isFalse();
    Await.until("job on resumed queue completed", () -> "completed".equals(stateOf(id)));
  }

  @Test
  void queueLimitsAreSetListedAndClearedOverHttp() throws Exception {
    Reply set =
        post(
            open,
            "/api/queues/throttled/limits",
            "{\"maxRunning\":2,\"rateLimit\":10,\"ratePeriodMs\":1000}",
            null);
    assertThat(set.status).isEqualTo(200);
    assertThat(set.json.get("limits").get("maxRunning").asInt()).isEqualTo(2);
    JsonNode limits = queue("throttled").get("limits");
    assertThat(limits.get("maxRunning").asInt()).isEqualTo(2);
    assertThat(limits.get("rateLimit").asInt()).isEqualTo(10);
    assertThat(limits.get("ratePeriodMs").asLong()).isEqualTo(1000);
    assertThat(limits.get("limited").asBoolean()).isTrue();

    Reply refused = post(open, "/api/queues/throttled/limits", "{\"maxRunning\":0}", null);
    assertThat(refused.status).isEqualTo(400);
    assertThat(refused.json.get("field").asText()).isEqualTo("maxRunning");
    Reply halfRate = post(open, "/api/queues/throttled/limits", "{\"rateLimit\":5}", null);
    assertThat(halfRate.status).isEqualTo(400);
    assertThat(halfRate.json.get("field").asText()).isEqualTo("ratePeriod");
    assertThat(queue("throttled").get("limits").get("maxRunning").asInt()).isEqualTo(2);

    post(open, "/api/queues/throttled/limits", "{}", null);
    assertThat(get(open, "/api/queues").json.get("queues").findValues("name"))
        .noneMatch(n -> n.asText().equals("throttled"));
  }

  @Test
  void cancelAWaitingJob() throws Exception {
    long id =
        post(
                open,
                "/api/jobs",
                "{\"kind\":\"greet\",\"args\":{\"name\":\"c\"},\"delaySeconds\":3600}",
                null)
            .json
            .get("id")
            .asLong();
    assertThat(stateOf(id)).isEqualTo("scheduled");
    Reply cancel = post(open, "/api/jobs/" + id + "/cancel", "", null);
    assertThat(cancel.status).isEqualTo(200);
    assertThat(cancel.json.get("result").asText()).isEqualTo("cancelled");
    assertThat(stateOf(id)).isEqualTo("cancelled");
    Reply retry = post(open, "/api/jobs/" + id + "/retry", "", null);
    assertThat(retry.json.get("result").asText()).isEqualTo("retrying");
    Await.until("retried job completed", () -> "completed".equals(stateOf(id)));
  }

  @Test
  void listPagesByIdWithACursor() throws Exception {
    for (int i = 0; i < 3; i++) {
      post(
          open,
          "/api/jobs",
          "{\"kind\":\"greet\",\"args\":{\"name\":\"l\"},\"delaySeconds\":3600,\"tags\":[\"page\"]}",
          null);
    }
    Reply first = get(open, "/api/jobs?tag=page&limit=2");
    assertThat(first.json.get("jobs")).hasSize(2);
    String next = first.json.get("next").asText();
    assertThat(next).isEqualTo(first.json.get("jobs").get(1).get("id").asText());
    Reply second = get(open, "/api/jobs?tag=page&limit=2&before=" + next);
    assertThat(second.json.get("jobs")).hasSize(1);
    assertThat(second.json.get("next").isNull()).isTrue();
    assertThat(
            get(open, "/api/jobs?tag=page&state=scheduled&queue=default&kind=greet")
                .json
                .get("jobs"))
        .hasSize(3);
  }

  @Test
  void nodesListsThisNode() throws Exception {
    Reply nodes = get(open, "/api/nodes");
    assertThat(nodes.status).isEqualTo(200);
    assertThat(nodes.json.findValuesAsText("id")).contains(node.nodeId());
  }

  private static JsonNode queue(String name) throws Exception {
    for (JsonNode q : get(open, "/api/queues").json.get("queues")) {
      if (q.get("name").asText().equals(name)) {
        return q;
      }
    }
    throw new AssertionError("queue " + name + " not listed");
  }

  private static String stateOf(long id) {
    try {
      return get(open, "/api/jobs/" + id).json.get("state").asText();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static void assertBadRequest(Reply r, String field) {
    assertThat(r.status).as(r.json.toString()).isEqualTo(400);
    assertThat(r.json.get("field").asText()).isEqualTo(field);
    assertThat(r.json.get("error").asText()).isNotBlank();
  }

  record Reply(int status, JsonNode json) {}

  static URI uri(MillraceServer server, String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  static Reply get(MillraceServer server, String path) throws Exception {
    return send(HttpRequest.newBuilder(uri(server, path)).GET().build());
  }

  static Reply post(MillraceServer server, String path, String body, String authorization)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri(server, path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return send(b.build());
  }

  /** The body of a GET as text (for /metrics). */
  static String send(MillraceServer server, String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(uri(server, path)).GET().build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private static Reply send(HttpRequest request) throws Exception {
    HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), Json.parse(r.body().isEmpty() ? "null" : r.body()));
  }
}
