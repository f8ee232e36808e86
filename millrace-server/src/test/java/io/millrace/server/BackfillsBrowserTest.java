package io.millrace.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.millrace.Millrace;
import io.millrace.backfills.Backfill;
import io.millrace.backfills.BackfillStatus;
import io.millrace.testing.TestDatabase;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The backfills page and the warm-up banner in headless Chromium, with a real blocking backfill
 * that walks 20,000 rows in batches of 100: pausing it from the page stops its bar, resuming it
 * finishes the walk, and the banner shows it until it succeeds. The walk is held at its fourth
 * batch until the page has shown it running and the pause has been clicked, so a slow browser start
 * cannot let it finish first, and it stops at exactly four batches.
 */
class BackfillsBrowserTest {
  static final int ROWS = 20_000;
  static final int HELD_BATCH = 4;
  static final AtomicInteger batches = new AtomicInteger();
  static final CountDownLatch released = new CountDownLatch(1);
  static TestDatabase db;
  static Millrace node;
  static MillraceServer server;
  static Browser browser;
  static String table;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("bfbrowser");
    table = "items_" + db.schema();
    db.execute("CREATE TABLE public." + table + " (id bigint PRIMARY KEY, v int NOT NULL)");
    db.execute(
        "INSERT INTO public." + table + " SELECT i, 0 FROM generate_series(1, " + ROWS + ") i");
    Backfill walk =
        Backfill.builder("walk")
            .target(db.dataSource())
            .table(table)
            .key("id")
            .initialBatchSize(100)
            .maxBatchSize(100)
            .targetBatchTime(Duration.ofSeconds(10))
            .yieldBetweenBatches(Duration.ZERO)
            .blocking()
            .batch(
                (c, range) -> {
                  if (batches.incrementAndGet() == HELD_BATCH) {
                    await(released);
                  }
                  try (PreparedStatement ps =
                      c.prepareStatement(
                          "UPDATE public." + table + " SET v = v + 1 WHERE " + range.predicate())) {
                    range.bind(ps, 1);
                    return ps.executeUpdate();
                  }
                })
            .build();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    node = db.builder().meterRegistry(registry).backfill(walk).build();
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
      db.execute("DROP TABLE IF EXISTS public." + table);
      db.close();
    }
  }

  private static void await(CountDownLatch latch) throws SQLException {
    try {
      if (!latch.await(2, TimeUnit.MINUTES)) {
        throw new SQLException("the test never released the held batch");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLException("interrupted", e);
    }
  }

  static String url(String hash) {
    return "http://127.0.0.1:" + server.port() + "/?refresh=300#" + hash;
  }

  static String rowsShown() {
    return browser.text("tr[data-backfill='walk'] [data-testid='rows']");
  }

  @Test
  void aPausedBackfillsBarStopsAndResumesAndTheBannerClearsWhenItSucceeds() throws Exception {
    browser.open(url("/backfills"));
    browser.waitFor(
        "backfill running with progress",
        () -> {
          BackfillStatus s = node.backfills().get("walk").orElseThrow();
          return s.rowsProcessed() > 0
              && browser.all("tr[data-backfill='walk'][data-state='running']").size() == 1;
        });
    // The warm-up banner names the blocking backfill with its own progress line.
    browser.waitForText("#banner li[data-check='backfills']", "walk");
    assertThat(browser.all("#banner li[data-item='walk'] [role='progressbar']")).hasSize(1);
    browser.screenshot("backfill-running");

    browser.click("tr[data-backfill='walk'] button[data-action='pause']");
    browser.waitFor(
        "backfill paused",
        () -> browser.all("tr[data-backfill='walk'][data-state='paused']").size() == 1);
    // Paused while its fourth batch is held: that batch commits, and the walk stops after it.
    released.countDown();
    browser.waitFor(
        "the held batch committed",
        () -> db.count("FROM public." + table + " WHERE v = 1") == HELD_BATCH * 100L);
    long pausedAt = node.backfills().get("walk").orElseThrow().rowsProcessed();
    assertThat(pausedAt).isLessThan(ROWS);
    browser.waitFor(
        "page shows the paused count",
        () -> rowsShown() != null && rowsShown().startsWith(pausedAt + " "));
    Thread.sleep(1_500);
    assertThat(node.backfills().get("walk").orElseThrow().rowsProcessed()).isEqualTo(pausedAt);
    browser.waitForText("tr[data-backfill='walk'] [data-testid='rows']", pausedAt + " / ");
    assertThat(browser.displayed("#banner")).isTrue();
    browser.screenshot("backfill-paused");

    browser.click("tr[data-backfill='walk'] button[data-action='resume']");
    browser.waitFor(
        "backfill moves again",
        () -> node.backfills().get("walk").orElseThrow().rowsProcessed() > pausedAt);
    browser.waitFor(
        "backfill succeeded on the page",
        () -> browser.all("tr[data-backfill='walk'][data-state='succeeded']").size() == 1);
    browser.waitForText("tr[data-backfill='walk'] [data-testid='percent']", "100.0%");
    browser.waitFor("banner cleared", () -> !browser.displayed("#banner"));
    assertThat(db.count("FROM public." + table + " WHERE v = 1")).isEqualTo(ROWS);
    browser.screenshot("backfill-succeeded");
  }
}
