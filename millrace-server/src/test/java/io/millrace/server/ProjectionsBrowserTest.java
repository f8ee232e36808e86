package io.millrace.server;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.millrace.Millrace;
import io.millrace.projections.EventStore;
import io.millrace.projections.NewEvent;
import io.millrace.projections.Projection;
import io.millrace.testing.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The projections page and the warm-up banner in headless Chromium, with a real required projection
 * held back while it catches up: the banner names it with its lag until it is ready.
 */
class ProjectionsBrowserTest {
  static final CountDownLatch hold = new CountDownLatch(1);
  static TestDatabase db;
  static Millrace node;
  static MillraceServer server;
  static Browser browser;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("pjbrowser");
    Millrace client = db.migratedClient();
    List<NewEvent> events = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      events.add(NewEvent.json("counted", "{}"));
    }
    client.events().append("s", EventStore.ANY, events);
    client.close();
    Projection counter =
        Projection.named("counter")
            .version("1")
            .pageSize(10)
            .required()
            .handler(
                (e, ctx) -> {
                  hold.await();
                  long n = ctx.documents().get("total").map(d -> d.get("n").asLong()).orElse(0L);
                  ctx.documents().put("total", Map.of("n", n + 1));
                })
            .build();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    node = db.builder().meterRegistry(registry).projection(counter).build();
    node.migrate();
    node.start();
    server = MillraceServer.builder(node, registry).port(0).start();
    browser = Browser.start();
  }

  @AfterAll
  static void stop() {
    hold.countDown();
    if (browser != null) {
      browser.screenshot("ProjectionsBrowserTest-last");
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

  @Test
  void theBannerShowsARequiredProjectionCatchingUpAndClearsWhenItIsReady() {
    browser.open("http://127.0.0.1:" + server.port() + "/?refresh=300#/projections");
    browser.waitFor(
        "projection catching up",
        () -> browser.all("tr[data-projection='counter'][data-status='catching_up']").size() == 1);
    browser.waitForText("#banner li[data-check='projection:counter']", "catching up");
    browser.waitForText("#banner", "lag");
    browser.screenshot("projection-catching-up");

    hold.countDown();
    browser.waitFor(
        "projection ready",
        () -> browser.all("tr[data-projection='counter'][data-status='ready']").size() == 1);
    browser.waitFor("banner cleared", () -> !browser.displayed("#banner"));
    browser.waitForText("tr[data-projection='counter'] [data-testid='lag']", "0");
    browser.screenshot("projection-ready");
  }
}
