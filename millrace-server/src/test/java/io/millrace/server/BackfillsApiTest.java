package io.millrace.server;

import static io.millrace.server.MillraceServerTest.get;
import static io.millrace.server.MillraceServerTest.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.millrace.Millrace;
import io.millrace.backfills.Backfill;
import io.millrace.backfills.Throttles;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A blocking backfill keeps {@code /ready} at 503, naming it with its progress, until it succeeds;
 * {@code /api/backfills} shows and steers it; {@code /metrics} exports its progress.
 */
class BackfillsApiTest {
  TestDatabase db;
  HikariDataSource target;
  Millrace node;
  MillraceServer server;
  final AtomicBoolean hold = new AtomicBoolean(true);

  @BeforeEach
  void start() {
    db = TestDatabase.create("server_backfills");
    db.migratedClient();
    db.execute("CREATE TABLE {schema}.accounts (id bigint PRIMARY KEY, plan text NOT NULL)");
    db.execute("INSERT INTO {schema}.accounts SELECT i, 'legacy' FROM generate_series(1, 2000) i");
    target =
        TestDatabase.pool(
            TestDatabase.jdbcUrl() + "&currentSchema=" + db.schema(), 2, "backfill-target");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    node =
        db.builder()
            .meterRegistry(registry)
            .backfill(
                Backfill.builder("accounts-plan")
                    .target(target)
                    .table("accounts")
                    .key("id")
                    .filter("plan = 'legacy'")
                    .initialBatchSize(100)
                    .maxBatchSize(100)
                    .sql("UPDATE accounts SET plan = 'basic' WHERE {range}")
                    .throttle(Throttles.when("held by the test", hold::get))
                    .throttleRecheck(Duration.ofMillis(50))
                    .blocking()
                    .build())
            .build();
    node.start();
    server = MillraceServer.builder(node, registry).port(0).start();
  }

  @AfterEach
  void stop() {
    server.close();
    node.close();
    target.close();
    db.close();
  }

  @Test
  void blockingBackfillKeepsReadyAt503ThenTheApiSteersItTo200() throws Exception {
    Await.until(
        "the backfill is throttled",
        () ->
            "held by the test"
                .equals(node.backfills().get("accounts-plan").orElseThrow().throttledBy()));
    MillraceServerTest.Reply ready = get(server, "/ready");
    assertThat(ready.status()).isEqualTo(503);
    assertThat(ready.json().get("pending").get(0).asText()).isEqualTo("backfills");
    String message = ready.json().get("checks").get(1).get("message").asText();
    assertThat(message).contains("accounts-plan").contains("running").contains("of ~2000 rows");
    assertThat(
            ready
                .json()
                .get("checks")
                .get(1)
                .get("details")
                .get("accounts-plan")
                .get("rowsTotal")
                .asLong())
        .isEqualTo(2000);

    MillraceServerTest.Reply list = get(server, "/api/backfills");
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.json().get("backfills").get(0).get("name").asText()).isEqualTo("accounts-plan");
    assertThat(list.json().get("backfills").get(0).get("state").asText()).isEqualTo("running");
    assertThat(get(server, "/api/backfills/nope").status()).isEqualTo(404);
    assertThat(post(server, "/api/backfills/nope/pause", "", null).status()).isEqualTo(404);
    assertThat(get(server, "/api/backfills/bad%20name").status()).isEqualTo(400);

    MillraceServerTest.Reply paused = post(server, "/api/backfills/accounts-plan/pause", "", null);
    assertThat(paused.status()).isEqualTo(200);
    assertThat(paused.json().get("state").asText()).isEqualTo("paused");
    MillraceServerTest.Reply again = post(server, "/api/backfills/accounts-plan/pause", "", null);
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.json().get("error").asText()).contains("paused");
    assertThat(get(server, "/api/backfills/accounts-plan").json().get("state").asText())
        .isEqualTo("paused");

    hold.set(false);
    assertThat(post(server, "/api/backfills/accounts-plan/resume", "", null).status())
        .isEqualTo(200);
    assertThat(node.backfills().awaitFinished("accounts-plan", Duration.ofMinutes(1))).isTrue();
    assertThat(get(server, "/ready").status()).isEqualTo(200);
    MillraceServerTest.Reply done = get(server, "/api/backfills/accounts-plan");
    assertThat(done.json().get("state").asText()).isEqualTo("succeeded");
    assertThat(done.json().get("rowsProcessed").asLong()).isEqualTo(2000);
    assertThat(done.json().get("percent").asDouble()).isEqualTo(100.0);
    assertThat(db.count("FROM {schema}.accounts WHERE plan <> 'basic'")).isZero();
    assertThat(post(server, "/api/backfills/accounts-plan/retry", "", null).status())
        .isEqualTo(409);
    String metrics = MillraceServerTest.send(server, "/metrics");
    assertThat(metrics)
        .contains("millrace_backfill_rows_processed{backfill=\"accounts-plan\"} 2000.0");
  }
}
