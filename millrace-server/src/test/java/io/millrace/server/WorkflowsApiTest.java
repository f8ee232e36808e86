package io.millrace.server;

import static io.millrace.server.MillraceServerTest.get;
import static io.millrace.server.MillraceServerTest.post;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.millrace.Millrace;
import io.millrace.jobs.JobRequest;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import io.millrace.workflows.SubmittedWorkflow;
import io.millrace.workflows.WorkflowRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class WorkflowsApiTest {
  static final String TOKEN = "s3cret";
  static TestDatabase db;
  static Millrace node;
  static MillraceServer server;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("wfapi");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    node =
        db.builder()
            .meterRegistry(registry)
            .queue("default", 4)
            .handler("ok", Map.class, job -> Map.of("done", true))
            .externalKinds("elsewhere")
            .build();
    node.migrate();
    node.start();
    server = MillraceServer.builder(node, registry).port(0).token(TOKEN).start();
  }

  @AfterAll
  static void stop() {
    server.close();
    node.close();
    db.close();
  }

  @Test
  void showsMembersEdgesAndStatesOfAFinishedWorkflow() throws Exception {
    SubmittedWorkflow wf =
        node.workflows()
            .submit(
                WorkflowRequest.named("shown")
                    .namespace("api")
                    .tags("t1")
                    .step("a", JobRequest.of("ok", Map.of()))
                    .step("b", JobRequest.of("ok", Map.of()), "a"));
    Await.until(
        "workflow finished",
        () -> node.workflows().get(wf.id()).orElseThrow().workflow().open() == 0);
    MillraceServerTest.Reply r = get(server, "/api/workflows/" + wf.id());
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("workflow").get("status").asText()).isEqualTo("completed");
    assertThat(r.json().get("workflow").get("namespace").asText()).isEqualTo("api");
    assertThat(r.json().get("members")).hasSize(2);
    assertThat(r.json().get("members").get(1).get("name").asText()).isEqualTo("b");
    assertThat(r.json().get("members").get(1).get("state").asText()).isEqualTo("completed");
    assertThat(r.json().get("members").get(1).get("join").asText()).isEqualTo("all");
    assertThat(r.json().get("members").get(1).get("result").get("done").asBoolean()).isTrue();
    assertThat(r.json().get("edges").get(0).get("parent").asText()).isEqualTo("a");
    assertThat(r.json().get("edges").get(0).get("child").asText()).isEqualTo("b");
  }

  @Test
  void listsNewestFirstInKeysetPagesAndFilters() throws Exception {
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(
          node.workflows()
              .submit(
                  WorkflowRequest.named("paged")
                      .namespace("paging")
                      .step(
                          "x",
                          JobRequest.of("elsewhere", Map.of())
                              .runAt(java.time.Instant.now().plusSeconds(3600))))
              .id());
    }
    MillraceServerTest.Reply first = get(server, "/api/workflows?namespace=paging&limit=3");
    assertThat(first.status()).isEqualTo(200);
    assertThat(first.json().get("workflows"))
        .extracting(n -> n.get("id").asLong())
        .containsExactly(ids.get(4), ids.get(3), ids.get(2));
    assertThat(first.json().get("workflows").get(0).get("status").asText()).isEqualTo("running");
    String next = first.json().get("next").asText();
    MillraceServerTest.Reply second =
        get(server, "/api/workflows?namespace=paging&limit=3&before=" + next);
    assertThat(second.json().get("workflows"))
        .extracting(n -> n.get("id").asLong())
        .containsExactly(ids.get(1), ids.get(0));
    assertThat(second.json().get("next").isNull()).isTrue();
    assertThat(get(server, "/api/workflows?tag=none-has-it").json().get("workflows")).isEmpty();
  }

  @Test
  void cancelNeedsTheTokenAndCancelsEveryUnfinishedMember() throws Exception {
    SubmittedWorkflow wf =
        node.workflows()
            .submit(
                WorkflowRequest.named("to-cancel")
                    .step(
                        "later",
                        JobRequest.of("ok", Map.of())
                            .runAt(java.time.Instant.now().plusSeconds(3600)))
                    .step("after", JobRequest.of("ok", Map.of()), "later"));
    assertThat(post(server, "/api/workflows/" + wf.id() + "/cancel", "", null).status())
        .isEqualTo(401);
    MillraceServerTest.Reply r =
        post(server, "/api/workflows/" + wf.id() + "/cancel", "", "Bearer " + TOKEN);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("result").asText()).isEqualTo("cancelled");
    Await.until(
        "workflow finished",
        () -> node.workflows().get(wf.id()).orElseThrow().workflow().open() == 0);
    MillraceServerTest.Reply shown = get(server, "/api/workflows/" + wf.id());
    assertThat(shown.json().get("workflow").get("status").asText()).isEqualTo("cancelled");
    assertThat(shown.json().get("members"))
        .allSatisfy(m -> assertThat(m.get("state").asText()).isEqualTo("cancelled"));
  }

  @Test
  void badInputAndUnknownWorkflowsGetClearErrors() throws Exception {
    assertThat(get(server, "/api/workflows/999999").status()).isEqualTo(404);
    assertThat(post(server, "/api/workflows/999999/cancel", "", "Bearer " + TOKEN).status())
        .isEqualTo(404);
    MillraceServerTest.Reply badId = get(server, "/api/workflows/abc");
    assertThat(badId.status()).isEqualTo(400);
    assertThat(badId.json().get("field").asText()).isEqualTo("id");
    MillraceServerTest.Reply badLimit = get(server, "/api/workflows?limit=0");
    assertThat(badLimit.status()).isEqualTo(400);
    assertThat(badLimit.json().get("field").asText()).isEqualTo("limit");
    MillraceServerTest.Reply badNamespace = get(server, "/api/workflows?namespace=a%20b");
    assertThat(badNamespace.status()).isEqualTo(400);
    assertThat(badNamespace.json().get("field").asText()).isEqualTo("namespace");
  }
}
