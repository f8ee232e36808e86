package io.millrace.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.millrace.Millrace;
import io.millrace.jobs.JobRequest;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Listing filters and bulk actions over HTTP: validated at the boundary, naming the field. */
class JobFiltersApiTest {
  record Work(String name) {}

  static TestDatabase db;
  static Millrace node;
  static MillraceServer server;
  static Http http;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("filters");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    node = db.builder().meterRegistry(registry).build();
    node.migrate();
    server = MillraceServer.builder(node, registry).port(0).start();
    http = new Http(server);
  }

  @AfterAll
  static void stop() {
    server.close();
    node.close();
    db.close();
  }

  static void assertBadRequest(Http.Reply r, String field) {
    assertThat(r.status()).as(String.valueOf(r.json())).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo(field);
    assertThat(r.json().get("error").asText()).isNotBlank();
  }

  @Test
  void filterValidationErrorsNameTheField() throws Exception {
    assertBadRequest(http.get("/api/jobs?state=exploded"), "state");
    assertBadRequest(http.get("/api/jobs?queue=no%20spaces"), "queue");
    assertBadRequest(http.get("/api/jobs?kind=%3Cscript%3E"), "kind");
    assertBadRequest(http.get("/api/jobs?tag=a%27%3B%20drop%20table"), "tag");
    assertBadRequest(http.get("/api/jobs?createdFrom=yesterday"), "createdFrom");
    assertBadRequest(http.get("/api/jobs?createdTo=2030-13-01"), "createdTo");
    assertBadRequest(
        http.get("/api/jobs?createdFrom=2030-01-02T00:00:00Z&createdTo=2030-01-01T00:00:00Z"),
        "createdTo");
    assertBadRequest(http.get("/api/jobs?before=x"), "before");
    assertBadRequest(http.get("/api/jobs?limit=501"), "limit");
    assertBadRequest(http.get("/api/jobs?staet=failed"), "staet");
    assertBadRequest(http.post("/api/bulk/jobs/explode", "{\"queue\":\"q\"}"), "action");
    assertBadRequest(http.post("/api/bulk/jobs/retry", "{}"), "filter");
    assertBadRequest(http.post("/api/bulk/jobs/retry", ""), "body");
    assertBadRequest(http.post("/api/bulk/jobs/retry", "{\"queue\":\"q\",\"max\":0}"), "max");
    assertBadRequest(http.post("/api/bulk/jobs/retry", "{\"queue\":\"q\",\"max\":10001}"), "max");
    assertBadRequest(http.post("/api/bulk/jobs/retry", "{\"queue\":\"q\",\"limit\":5}"), "limit");
    assertBadRequest(http.post("/api/bulk/jobs/retry", "{\"state\":7}"), "state");
    assertBadRequest(
        http.post("/api/bulk/jobs/cancel", "{\"createdFrom\":\"soon\"}"), "createdFrom");
    assertBadRequest(http.post("/api/jobs/abc/discard", ""), "id");
  }

  @Test
  void listFiltersPageAndBulkActByFilter() throws Exception {
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      ids.add(
          node.enqueue(
                  JobRequest.of("work", new Work("n" + i))
                      .queue("bulkq")
                      .tags(List.of(i % 2 == 0 ? "even" : "odd"))
                      .delay(Duration.ofHours(1)))
              .id());
    }
    // Keyset pages of 3 walk all seven exactly once, newest first.
    List<Long> seen = new ArrayList<>();
    String next = null;
    do {
      JsonNode page =
          http.get("/api/jobs?queue=bulkq&limit=3" + (next == null ? "" : "&before=" + next))
              .json();
      page.get("jobs").forEach(j -> seen.add(j.get("id").asLong()));
      next = page.get("next").isNull() ? null : page.get("next").asText();
    } while (next != null);
    List<Long> newestFirst = new ArrayList<>(ids);
    java.util.Collections.reverse(newestFirst);
    assertThat(seen).containsExactlyElementsOf(newestFirst);
    assertThat(http.get("/api/jobs?queue=bulkq&tag=even").json().get("jobs")).hasSize(4);
    assertThat(
            http.get(
                    "/api/jobs?queue=bulkq&createdFrom=2000-01-01T00:00:00Z&createdTo=2001-01-01T00:00:00Z")
                .json()
                .get("jobs"))
        .isEmpty();
    assertThat(
            http.get("/api/jobs?queue=bulkq&createdFrom=2000-01-01T00:00:00Z").json().get("jobs"))
        .hasSize(7);

    // Discard one, then cancel the odd ones by filter, two per request, continuing from `next`.
    Http.Reply discarded = http.post("/api/jobs/" + ids.get(0) + "/discard", "");
    assertThat(discarded.json().get("result").asText()).isEqualTo("discarded");
    assertThat(http.post("/api/jobs/" + ids.get(0) + "/discard", "").json().get("result").asText())
        .isEqualTo("already_finished");
    assertThat(http.post("/api/jobs/987654/discard", "").status()).isEqualTo(404);
    JsonNode first =
        http.post("/api/bulk/jobs/cancel", "{\"queue\":\"bulkq\",\"tag\":\"odd\",\"max\":2}")
            .json();
    assertThat(first.get("matched").asInt()).isEqualTo(2);
    assertThat(first.get("outcomes").get("cancelled").asInt()).isEqualTo(2);
    assertThat(first.get("next").isNull()).isFalse();
    JsonNode rest =
        http.post(
                "/api/bulk/jobs/cancel",
                "{\"queue\":\"bulkq\",\"tag\":\"odd\",\"max\":2,\"beforeId\":"
                    + first.get("next").asLong()
                    + "}")
            .json();
    assertThat(rest.get("matched").asInt()).isEqualTo(1);
    assertThat(rest.get("next").isNull()).isTrue();
    assertThat(http.get("/api/jobs?queue=bulkq&state=cancelled").json().get("jobs")).hasSize(3);
    assertThat(
            http.get("/api/jobs?queue=bulkq&state=failed")
                .json()
                .get("jobs")
                .get(0)
                .get("errors")
                .get(0)
                .get("message")
                .asText())
        .isEqualTo("discarded by an operator");

    // Retry everything that is finished in the queue: all back to waiting, counters follow.
    JsonNode retried =
        http.post("/api/bulk/jobs/retry", "{\"queue\":\"bulkq\",\"state\":\"cancelled\"}").json();
    assertThat(retried.get("outcomes").get("retrying").asInt()).isEqualTo(3);
    JsonNode counts = http.get("/api/queues").json().get("queues").get(0).get("counts");
    assertThat(counts.get("cancelled").asLong()).isZero();
    assertThat(counts.get("failed").asLong()).isEqualTo(1);
    assertThat(counts.get("available").asLong() + counts.get("scheduled").asLong()).isEqualTo(6);
  }
}
