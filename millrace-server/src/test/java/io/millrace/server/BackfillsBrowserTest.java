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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The backfills page and the warm-up banner in headless Chromium, with a real blocking backfill
 * that walks 20,000 rows in batches of 100, each batch made slow on purpose: pausing it from the
 * page stops its bar, resuming it finishes the walk, and the banner shows it until it succeeds.
 */
class BackfillsBrowserTest {
  static final int ROWS = 20_000;
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
                  try (PreparedStatement ps =
                      c.prepareStatement(
                          "UPDATE public." + table + " SET v = v + 1 WHERE " + range.predicate())) {
                    range.bind(ps, 1);
                    long changed = ps.executeUpdate();
                    Thread.sleep(30);
                    return changed;
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SQLException("interrupted", e);
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
    // Paused: the walk stands still. Both the registry and the page keep the same count while
    // several refreshes go by.
    long pausedAt = node.backfills().get("walk").orElseThrow().rowsProcessed();
    browser.waitFor(
        "page shows the paused count",
        () -> rowsShown() != null && rowsShown().startsWith(pausedAt + " "));
    assertThat(pausedAt).isLessThan(ROWS);
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
