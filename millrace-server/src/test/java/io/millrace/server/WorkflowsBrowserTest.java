package io.millrace.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.millrace.Millrace;
import io.millrace.jobs.JobRequest;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import io.millrace.workflows.SubmittedWorkflow;
import io.millrace.workflows.WorkflowRequest;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The workflows pages in headless Chromium: the list, the DAG picture with member states, cancel.
 */
class WorkflowsBrowserTest {
  static TestDatabase db;
  static Millrace node;
  static MillraceServer server;
  static Browser browser;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("wfbrowser");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    node =
        db.builder()
            .meterRegistry(registry)
            .queue("default", 2)
            .handler("ok", Map.class, job -> Map.of("ok", true))
            .handler(
                "boom",
                Map.class,
                job -> {
                  throw new IllegalStateException("boom");
                })
            .build();
    node.migrate();
    node.start();
    server = MillraceServer.builder(node, registry).port(0).start();
    browser = Browser.start();
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.close();
    }
    if (server != null) {
      server.close();
    }
    if (node != null) {
      node.close();
    }
    if (db != null) {
      db.close();
    }
  }

  static String url(String hash) {
    return "http://127.0.0.1:" + server.port() + "/?refresh=300#" + hash;
  }

  @Test
  void theDagShowsEachMembersStateAndAWorkflowCanBeCancelled() {
    SubmittedWorkflow wf =
        node.workflows()
            .submit(
                WorkflowRequest.named("nightly")
                    .tags("browser")
                    .step("extract", JobRequest.of("ok", Map.of()))
                    .step("flaky", JobRequest.of("boom", Map.of()).maxAttempts(1))
                    .step("load", JobRequest.of("ok", Map.of()), "extract", "flaky")
                    .step("report", JobRequest.of("ok", Map.of()), "extract"));
    Await.until(
        "workflow finished",
        () -> node.workflows().get(wf.id()).orElseThrow().workflow().open() == 0);

    browser.open(url("/workflows?tag=browser"));
    browser.click("tr[data-workflow='" + wf.id() + "'] a");
    browser.waitFor(
        "dag drawn", () -> browser.all("[data-testid='dag'] g[data-member]").size() == 4);
    Map<String, String> expected =
        Map.of("extract", "completed", "flaky", "failed", "load", "skipped", "report", "completed");
    expected.forEach(
        (member, state) ->
            browser.waitFor(
                member + " is " + state,
                () ->
                    browser
                            .all(
                                "[data-testid='dag'] g[data-member='"
                                    + member
                                    + "'][data-state='"
                                    + state
                                    + "']")
                            .size()
                        == 1));
    assertThat(browser.all("[data-testid='dag'] line")).hasSize(3);
    browser.waitForText("[data-testid='workflow'] h1", "finished_with_failures");
    browser.screenshot("workflow-dag");

    SubmittedWorkflow later =
        node.workflows()
            .submit(
                WorkflowRequest.named("later")
                    .tags("browser")
                    .step("wait", JobRequest.of("ok", Map.of()).delay(Duration.ofHours(1)))
                    .step("after", JobRequest.of("ok", Map.of()), "wait"));
    browser.open(url("/workflows/" + later.id()));
    browser.click("button[data-action='cancel']");
    browser.waitForText("[data-testid='workflow'] h1", "cancelled");
    Await.until(
        "members cancelled",
        () -> node.workflows().get(later.id()).orElseThrow().workflow().open() == 0);
  }
}
