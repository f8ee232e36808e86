package io.millrace.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.millrace.Millrace;
import io.millrace.base.ValidationException;
import io.millrace.jobs.JobRequest;
import io.millrace.testing.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every mutation the API documents is tried against each guard: without a token, with a wrong one,
 * on a read-only server, from another origin. The list comes from the OpenAPI document, and {@link
 * ApiDocsTest} proves that document lists every route, so a new mutating route is covered here
 * without anyone remembering to add it.
 */
class ApiSecurityTest {
  record Work(String name) {}

  static final String TOKEN = "t0ken-for-tests";
  static TestDatabase db;
  static Millrace node;
  static MillraceServer guarded;
  static MillraceServer readOnly;
  static MillraceServer readsGuarded;
  static MillraceServer open;
  static long jobId;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("security");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    node = db.builder().meterRegistry(registry).build();
    node.migrate();
    guarded = MillraceServer.builder(node, registry).port(0).token(TOKEN).start();
    readOnly = MillraceServer.builder(node, registry).port(0).token(TOKEN).readOnly(true).start();
    readsGuarded =
        MillraceServer.builder(node, registry).port(0).token(TOKEN).readsNeedToken(true).start();
    open = MillraceServer.builder(node, registry).port(0).start();
    jobId =
        node.enqueue(JobRequest.of("work", new Work("x")).delay(java.time.Duration.ofHours(1)))
            .id();
  }

  @AfterAll
  static void stop() {
    for (MillraceServer s : List.of(guarded, readOnly, readsGuarded, open)) {
      s.close();
    }
    node.close();
    db.close();
  }

  /** Every documented mutation, with its path parameters filled in. */
  static List<String[]> mutations() {
    List<String[]> out = new ArrayList<>();
    for (String op : ApiDocs.build().operations()) {
      String[] parts = op.split(" ", 2);
      if (!parts[0].equals("GET")) {
        String path =
            parts[1]
                .replace("{id}", Long.toString(jobId))
                .replace("{name}", "default")
                .replace("{action}", "cancel");
        out.add(new String[] {parts[0], path});
      }
    }
    assertThat(out).hasSizeGreaterThan(8);
    return out;
  }

  static final String BODY =
      "{\"kind\":\"work\",\"args\":{\"name\":\"y\"},\"queue\":\"default\",\"delaySeconds\":3600}";

  @Test
  void unauthenticatedMutationsAreRejected() throws Exception {
    Http http = new Http(guarded);
    for (String[] m : mutations()) {
      Http.Reply missing = http.post(m[1], BODY);
      assertThat(missing.status()).as("%s %s without a token", m[0], m[1]).isEqualTo(401);
      assertThat(missing.json().get("error").asText()).contains("token");
      assertThat(missing.header("WWW-Authenticate")).isEqualTo("Bearer");
      assertThat(http.post(m[1], BODY, "Authorization", "Bearer wrong").status())
          .as("%s %s with a wrong token", m[0], m[1])
          .isEqualTo(401);
      assertThat(http.post(m[1], BODY, "X-Millrace-Token", TOKEN + "x").status()).isEqualTo(401);
    }
    // Nothing happened: the job is still waiting, no queue got paused.
    assertThat(node.admin().get(jobId).orElseThrow().state().dbValue()).isEqualTo("scheduled");
    assertThat(node.admin().pausedQueues()).isEmpty();
    // Reads stay open by default, and so do probes.
    assertThat(http.get("/api/jobs").status()).isEqualTo(200);
    assertThat(http.get("/ready").status()).isEqualTo(200);
    // With the token the same request goes through, in either header.
    assertThat(http.post("/api/queues/default/pause", "", "X-Millrace-Token", TOKEN).status())
        .isEqualTo(200);
    assertThat(
            http.post("/api/queues/default/resume", "", "Authorization", "Bearer " + TOKEN)
                .status())
        .isEqualTo(200);
  }

  @Test
  void readOnlyModeRefusesEveryMutation() throws Exception {
    Http http = new Http(readOnly);
    for (String[] m : mutations()) {
      Http.Reply r = http.post(m[1], BODY, "Authorization", "Bearer " + TOKEN);
      assertThat(r.status()).as("%s %s on a read-only server", m[0], m[1]).isEqualTo(403);
      assertThat(r.json().get("error").asText()).contains("read-only");
    }
    for (String method : List.of("PUT", "PATCH", "DELETE")) {
      assertThat(
              http.method(method, "/api/jobs/" + jobId, "Authorization", "Bearer " + TOKEN)
                  .status())
          .isEqualTo(403);
    }
    assertThat(node.admin().get(jobId).orElseThrow().state().dbValue()).isEqualTo("scheduled");
    assertThat(http.get("/api/jobs/" + jobId).status()).isEqualTo(200);
    Http.Reply info = http.get("/api/server");
    assertThat(info.json().get("readOnly").asBoolean()).isTrue();
  }

  @Test
  void readsCanRequireTheTokenButProbesNever() throws Exception {
    Http http = new Http(readsGuarded);
    for (String path :
        List.of("/api/jobs", "/api/queues", "/api/cluster", "/api/openapi.json", "/api/server")) {
      assertThat(http.get(path).status()).as(path).isEqualTo(401);
      assertThat(http.get(path, "X-Millrace-Token", TOKEN).status()).as(path).isEqualTo(200);
    }
    assertThat(http.get("/health").status()).isEqualTo(200);
    assertThat(http.get("/ready").status()).isEqualTo(200);
    assertThat(http.get("/").status())
        .isEqualTo(200); // the page shell holds no data; it asks for the token
  }

  @Test
  void crossOriginMutationsAreRefused() throws Exception {
    Http http = new Http(open);
    String self = "http://127.0.0.1:" + open.port();
    Http.Reply forged = http.post("/api/queues/default/pause", "", "Origin", "http://evil.example");
    assertThat(forged.status()).isEqualTo(403);
    assertThat(forged.json().get("error").asText()).contains("cross-origin");
    assertThat(http.post("/api/queues/default/pause", "", "Sec-Fetch-Site", "cross-site").status())
        .isEqualTo(403);
    assertThat(http.post("/api/queues/default/pause", "", "Origin", "null").status())
        .isEqualTo(403);
    assertThat(node.admin().pausedQueues()).isEmpty();
    // The dashboard's own requests (same origin) and non-browser clients (no Origin) go through.
    assertThat(
            http.post(
                    "/api/queues/default/pause",
                    "",
                    "Origin",
                    self,
                    "Sec-Fetch-Site",
                    "same-origin")
                .status())
        .isEqualTo(200);
    assertThat(http.post("/api/queues/default/resume", "").status()).isEqualTo(200);
    // Cross-origin reads are answered but carry no CORS header, so another site's script cannot
    // read them.
    Http.Reply read = http.get("/api/queues", "Origin", "http://evil.example");
    assertThat(read.header("Access-Control-Allow-Origin")).isNull();
  }

  @Test
  void loopbackServerAnswersOnlyLoopbackHostNames() throws Exception {
    Http http = new Http(open);
    // DNS rebinding: a page on attacker.example whose name now resolves to 127.0.0.1.
    assertThat(
            http.rawStatus("POST", "/api/queues/default/pause", "attacker.example:" + open.port()))
        .isEqualTo(403);
    assertThat(http.rawStatus("GET", "/api/jobs", "attacker.example")).isEqualTo(403);
    assertThat(http.rawStatus("GET", "/", "attacker.example")).isEqualTo(403);
    assertThat(http.rawStatus("GET", "/api/jobs", "localhost:" + open.port())).isEqualTo(200);
    assertThat(http.rawStatus("GET", "/api/jobs", "127.0.0.1:" + open.port())).isEqualTo(200);
    assertThat(node.admin().pausedQueues()).isEmpty();
  }

  @Test
  void oversizedBodiesAndBadSettingsAreRefused() throws Exception {
    // Only the head, declaring 3 MiB: the server must refuse on the declared length, before any
    // of the body. (Sending the body too made the test racy: the server answers and closes while
    // the client still writes, and the client's socket may be reset before it reads the answer.)
    Http.Reply r =
        new Http(open)
            .raw(
                "POST",
                "/api/bulk/jobs/retry",
                null,
                false,
                "Content-Type: application/json",
                "Content-Length: " + 3 * 1024 * 1024);
    assertThat(r.status()).isEqualTo(413);
    assertThat(r.json().path("field").asText()).isEqualTo("body");
    PrometheusMeterRegistry registry = (PrometheusMeterRegistry) node.meters();
    assertThat(fieldOf(() -> MillraceServer.builder(node, registry).readsNeedToken(true).start()))
        .isEqualTo("readsNeedToken");
  }

  /** The field of the ValidationException {@code action} throws, or null when it throws none. */
  static String fieldOf(Runnable action) {
    try {
      action.run();
      return null;
    } catch (ValidationException e) {
      return e.field();
    }
  }
}
