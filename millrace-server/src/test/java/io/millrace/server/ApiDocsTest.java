package io.millrace.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.millrace.Millrace;
import io.millrace.testing.TestDatabase;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document describes exactly the routes the server registers, in one JSON convention.
 */
class ApiDocsTest {
  static TestDatabase db;
  static Millrace node;
  static MillraceServer server;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("docs");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    node = db.builder().meterRegistry(registry).build();
    node.migrate();
    server = MillraceServer.builder(node, registry).port(0).start();
  }

  @AfterAll
  static void stop() {
    server.close();
    node.close();
    db.close();
  }

  @Test
  void everyRegisteredApiRouteIsDocumentedAndNothingElse() {
    List<String> registered =
        server.routes().stream()
            .filter(r -> r.split(" ", 2)[1].startsWith("/api/"))
            .filter(r -> !r.startsWith("BEFORE") && !r.startsWith("AFTER"))
            .toList();
    List<String> documented = ApiDocs.build().operations();
    assertThat(registered).isNotEmpty();
    assertThat(documented)
        .as("routes registered but not in /api/openapi.json")
        .containsAll(registered);
    assertThat(registered).as("routes documented but not registered").containsAll(documented);
  }

  @Test
  void servedDocumentIsOpenApi3WithCliCommandsForEveryMutation() throws Exception {
    Http.Reply r = new Http(server).get("/api/openapi.json");
    assertThat(r.status()).isEqualTo(200);
    JsonNode doc = r.json();
    assertThat(doc.get("openapi").asText()).startsWith("3.");
    List<String> missingCli = new ArrayList<>();
    List<String> danglingRefs = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields();
        paths.hasNext(); ) {
      Map.Entry<String, JsonNode> path = paths.next();
      for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
        Map.Entry<String, JsonNode> op = ops.next();
        if (!op.getKey().equals("get") && !op.getValue().has("x-millrace-cli")) {
          missingCli.add(op.getKey() + " " + path.getKey());
        }
        assertThat(op.getValue().get("responses").get("400").toString())
            .contains("#/components/schemas/Error");
      }
    }
    doc.findValues("$ref")
        .forEach(
            ref -> {
              String name = ref.asText().replace("#/components/schemas/", "");
              if (!doc.get("components").get("schemas").has(name)) {
                danglingRefs.add(name);
              }
            });
    assertThat(missingCli).as("mutations without a CLI equivalent").isEmpty();
    assertThat(danglingRefs).as("schemas referenced but not defined").isEmpty();
  }

  @Test
  void readsNameThePrimaryWithoutAReplicaAndTheDocumentSaysSo() throws Exception {
    Http http = new Http(server);
    assertThat(http.get("/api/jobs").header(ReadSource.HEADER)).isEqualTo("primary");
    JsonNode doc = http.get("/api/openapi.json").json();
    for (String route : ReadSource.ROUTES) {
      assertThat(doc.at("/paths/" + route.replace("/", "~1") + "/get/responses/200/headers"))
          .as(route)
          .anySatisfy(h -> assertThat(h.path("schema").path("type").asText()).isEqualTo("string"));
    }
  }

  @Test
  void everyAnswerAndErrorIsJsonWithServerTiming() throws Exception {
    Http http = new Http(server);
    Http.Reply jobs = http.get("/api/jobs");
    assertThat(jobs.header("Content-Type")).startsWith("application/json");
    assertThat(jobs.header("Server-Timing")).startsWith("app;dur=");
    Http.Reply missing = http.get("/api/no-such-thing");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.json().has("error")).isTrue();
    Http.Reply page = http.get("/");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.header("Content-Security-Policy")).contains("script-src 'self'");
    assertThat(http.get("/dashboard/app.js").status()).isEqualTo(200);
  }
}
