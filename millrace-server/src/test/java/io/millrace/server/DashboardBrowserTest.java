package io.millrace.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.millrace.Millrace;
import io.millrace.health.Readiness;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.JobState;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The dashboard in a real headless Chromium against a real node: what an operator sees and does.
 * The page refreshes every 300 ms here ({@code ?refresh=300}) so waits stay short.
 */
class DashboardBrowserTest {
  record Work(String name) {}

  static TestDatabase db;
  static Millrace node;
  static MillraceServer server;
  static MillraceServer guarded;
  static MillraceServer readOnly;
  static final String TOKEN = "browser-s3cret";
  static final AtomicBoolean healed = new AtomicBoolean();
  static final AtomicInteger warmupDone = new AtomicInteger(100);

  /** One browser for the class (starting Chromium costs seconds); each test navigates afresh. */
  static Browser browser;

  String testName;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("browser");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    node =
        db.builder()
            .meterRegistry(registry)
            .queue("default", 2)
            .queue("shown", 1)
            .handler("work", Work.class, job -> Map.of("done", job.args().name()))
            .handler(
                "flaky",
                Work.class,
                job -> {
                  if (!healed.get()) {
                    throw new IllegalStateException("not healed yet: " + job.args().name());
                  }
                  return Map.of("healed", true);
                })
            .build();
    node.migrate();
    // A readiness check the test drives, the way a blocking backfill or a required projection
    // reports its progress: not ready with done/total until it reaches the total.
    node.readiness()
        .add(
            () -> {
              int done = warmupDone.get();
              return done >= 100
                  ? Readiness.Status.ready("warmup", "warm")
                  : Readiness.Status.notReady(
                      "warmup",
                      "loading the read model",
                      Map.of("done", done, "total", 100, "eta", "PT12S"));
            });
    node.start();
    server =
        MillraceServer.builder(node, registry)
            .port(0)
            .throughputInterval(java.time.Duration.ofMillis(500))
            .start();
    guarded = MillraceServer.builder(node, registry).port(0).token(TOKEN).start();
    readOnly = MillraceServer.builder(node, registry).port(0).readOnly(true).start();
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.close();
    }
    for (MillraceServer s : new MillraceServer[] {server, guarded, readOnly}) {
      if (s != null) {
        s.close();
      }
    }
    if (node != null) {
      node.close();
    }
    if (db != null) {
      db.close();
    }
  }

  @BeforeEach
  void openBrowser(TestInfo info) {
    testName = info.getTestMethod().orElseThrow().getName();
    if (browser == null) {
      browser = Browser.start();
    }
  }

  @AfterEach
  void screenshot() {
    browser.screenshot(getClass().getSimpleName() + "-" + testName + "-last");
  }

  String url(String hash) {
    return url(server, hash);
  }

  static String url(MillraceServer s, String hash) {
    return "http://127.0.0.1:" + s.port() + "/?refresh=300#" + hash;
  }

  @Test
  void overviewShowsExactCounts() {
    node.admin().setPaused("shown", true);
    for (int i = 0; i < 3; i++) {
      node.enqueue(JobRequest.of("work", new Work("w" + i)).queue("shown"));
    }
    browser.open(url("/"));
    browser.waitFor(
        "3 available in queue shown",
        () -> "3".equals(browser.text("tr[data-queue='shown'] [data-count='available']")));
    browser.waitForText("tr[data-queue='shown'] td", "paused");

    // Resume from the page: the queue drains and the counts follow without a reload.
    browser.click("tr[data-queue='shown'] button[data-action='resume']");
    browser.waitFor(
        "3 completed in queue shown",
        () -> "3".equals(browser.text("tr[data-queue='shown'] [data-count='completed']")));
    browser.waitFor(
        "0 available in queue shown",
        () -> "0".equals(browser.text("tr[data-queue='shown'] [data-count='available']")));
    assertThat(node.admin().pausedQueues()).doesNotContain("shown");

    // Flow control: the queue's limits are shown, and set from the page.
    node.admin().setLimits("shown", io.millrace.jobs.QueueLimits.maxRunning(2));
    browser.waitForText("tr[data-queue='shown'] [data-limits]", "≤2 running");
    browser.click("tr[data-queue='shown'] button[data-action='limits']");
    browser.answerPrompt("running 4, rate 10 per 1000 ms");
    browser.waitFor(
        "limits set from the page",
        () ->
            node.admin()
                .limits("shown")
                .equals(
                    new io.millrace.jobs.QueueLimits(4, 10, java.time.Duration.ofMillis(1000))));
    browser.waitForText("tr[data-queue='shown'] [data-limits]", "≤4 running", "10 per 1000 ms");
    browser.waitFor(
        "throughput chart drawn",
        () -> !browser.all("[data-testid='throughput'] svg rect").isEmpty());
    browser.screenshot("overview");
  }

  @Test
  void aJobRetriedFromTheUiRuns() {
    healed.set(false);
    long id =
        node.enqueue(
                JobRequest.of("flaky", new Work("<img src=x onerror=alert(1)>")).maxAttempts(1))
            .id();
    Await.until("job failed", () -> node.admin().get(id).orElseThrow().state() == JobState.FAILED);
    browser.open(url("/jobs/" + id));
    browser.waitFor(
        "failed job shown", () -> "failed".equals(browser.text("[data-testid='job'] h1 .state")));
    browser.waitForText("[data-testid='errors']", "not healed yet");
    // Data is text, never markup: the args' HTML is shown as characters and creates no element.
    browser.waitForText("[data-testid='args']", "<img src=x onerror=alert(1)>");
    assertThat(browser.all("[data-testid='job'] img")).isEmpty();

    healed.set(true);
    browser.click("button[data-action='retry']");
    browser.waitFor(
        "retried job completed",
        () -> "completed".equals(browser.text("[data-testid='job'] h1 .state")));
    assertThat(node.admin().get(id).orElseThrow().state()).isEqualTo(JobState.COMPLETED);
    browser.waitForText("[data-testid='timeline']", "attempt 1 failed", "completed");
    browser.screenshot("job-retried");
  }

  @Test
  void jobsListFiltersAndBulkRetries() {
    healed.set(false);
    long[] ids = new long[3];
    for (int i = 0; i < ids.length; i++) {
      ids[i] =
          node.enqueue(
                  JobRequest.of("flaky", new Work("b" + i))
                      .maxAttempts(1)
                      .tags(java.util.List.of("batch7")))
              .id();
    }
    for (long id : ids) {
      Await.until(
          "job failed", () -> node.admin().get(id).orElseThrow().state() == JobState.FAILED);
    }
    browser.open(url("/jobs?tag=batch7&state=failed"));
    browser.waitFor(
        "3 failed jobs listed", () -> browser.count("[data-testid='jobs'] tr[data-job]") == 3);

    healed.set(true);
    browser.click("button[data-bulk='retry']");
    browser.acceptConfirm();
    for (long id : ids) {
      Await.until(
          "bulk-retried job completed",
          () -> node.admin().get(id).orElseThrow().state() == JobState.COMPLETED);
    }
    browser.waitFor(
        "no failed jobs left in the filter",
        () -> browser.count("[data-testid='jobs'] tr[data-job]") == 0);

    browser.open(url("/jobs?createdFrom=yesterday"));
    browser.waitFor(
        "filter error names the field",
        () -> {
          String error = browser.text("[data-testid='filter-error']");
          return error != null && error.startsWith("createdFrom");
        });
    browser.screenshot("jobs-filter-error");
  }

  @Test
  void warmUpBannerAppearsAndClears() {
    warmupDone.set(40);
    browser.open(url("/"));
    browser.waitFor(
        "banner with the pending check",
        () -> browser.text("#banner li[data-check='warmup']") != null);
    browser.waitForText("#banner", "loading the read model", "40%", "ETA PT12S");
    browser.screenshot("warmup-banner");
    warmupDone.set(70);
    browser.waitForText("#banner", "70%");
    warmupDone.set(100);
    browser.waitFor("banner cleared", () -> !browser.displayed("#banner"));
  }

  @Test
  void aGuardedServerAsksForTheTokenAndSendsItInAHeader() {
    node.admin().setPaused("guarded", false);
    node.enqueue(
        JobRequest.of("work", new Work("g")).queue("guarded").delay(java.time.Duration.ofHours(1)));
    browser.open(url(guarded, "/"));
    browser.waitFor("queue listed", () -> browser.text("tr[data-queue='guarded']") != null);
    assertThat(browser.displayed("#token-form")).isTrue();
    // Without the token the action is refused and says so; nothing changes.
    browser.click("tr[data-queue='guarded'] button[data-action='pause']");
    browser.waitForText("#notice", "token");
    assertThat(node.admin().pausedQueues()).doesNotContain("guarded");
    browser.all("#token").get(0).sendKeys(TOKEN);
    browser.click("#token-form button");
    browser.click("tr[data-queue='guarded'] button[data-action='pause']");
    browser.waitFor("queue paused", () -> node.admin().pausedQueues().contains("guarded"));
    // The token lives in sessionStorage and travels in a header: no cookie holds it.
    assertThat(browser.driver().manage().getCookies()).isEmpty();
    browser.screenshot("guarded");
    node.admin().setPaused("guarded", false);
  }

  @Test
  void aReadOnlyServerOffersNoActions() {
    long id =
        node.enqueue(
                JobRequest.of("work", new Work("r"))
                    .queue("readonly")
                    .delay(java.time.Duration.ofHours(1)))
            .id();
    browser.open(url(readOnly, "/"));
    browser.waitFor("queue listed", () -> browser.text("tr[data-queue='readonly']") != null);
    browser.waitForText("#mode", "read-only");
    assertThat(browser.all("button[data-action]")).isEmpty();
    browser.open(url(readOnly, "/jobs/" + id));
    browser.waitFor("job shown", () -> browser.text("[data-testid='job'] h1") != null);
    assertThat(browser.all("button[data-action]")).isEmpty();
    browser.open(url(readOnly, "/jobs?queue=readonly"));
    browser.waitFor("job listed", () -> browser.count("tr[data-job]") > 0);
    assertThat(browser.all("button[data-bulk]")).isEmpty();
    browser.screenshot("read-only");
  }

  @Test
  void everyPageInTheMenuLoadsAndOnlyPagesWhoseApiExistsAreOffered() {
    browser.open(url("/"));
    java.util.List<String> hashes = browser.attributes("#nav a", "href");
    assertThat(hashes).isNotEmpty();
    com.fasterxml.jackson.databind.JsonNode paths = ApiDocs.document().get("paths");
    // A capability's page is in the menu exactly when its API is documented (and so registered).
    assertThat(hashes.contains("#/workflows")).isEqualTo(paths.has("/api/workflows"));
    assertThat(hashes.contains("#/backfills")).isEqualTo(paths.has("/api/backfills"));
    assertThat(hashes.contains("#/projections")).isEqualTo(paths.has("/api/projections"));
    for (String hash : hashes) {
      browser.open(url(hash.substring(1)));
      assertThat(browser.count("main h1")).as(hash).isEqualTo(1);
      assertThat(browser.displayed("#notice.error"))
          .as(hash + " refreshed with an error")
          .isFalse();
      // Nothing but data and labels: no stray "null" or "undefined" from a missing part.
      assertThat(browser.text("main")).as(hash).doesNotContain("null").doesNotContain("undefined");
    }
  }

  @Test
  void clusterShowsTheLeader() {
    Await.until("node leads", node::isLeader);
    browser.open(url("/cluster"));
    browser.waitForText("[data-testid='leader']", node.nodeId());
    browser.waitForText("tr[data-node='" + node.nodeId() + "']", "leader");
    browser.screenshot("cluster");
  }
}
