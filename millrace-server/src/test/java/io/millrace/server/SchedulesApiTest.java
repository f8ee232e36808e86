package io.millrace.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.millrace.Millrace;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.PeriodicJob;
import io.millrace.jobs.Schedule;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /api/schedules}: list and show (expression, zone, next fire times, registering nodes),
 * pause, resume, trigger and delete, each refused without the token and on a read-only server.
 */
class SchedulesApiTest {
  static final String TOKEN = "s3cret-token";
  static TestDatabase db;
  static Millrace node;
  static MillraceServer server;
  static MillraceServer readOnly;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("server_schedules");
    db.migratedClient();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    node =
        db.builder()
            .nodeId("api-node")
            .meterRegistry(registry)
            .periodic(
                PeriodicJob.of(
                        "nightly", Schedule.cron("30 2 * * *"), JobRequest.of("report", Map.of()))
                    .inZone(ZoneId.of("America/New_York")))
            .periodic(
                PeriodicJob.of(
                    "hourly", Schedule.every(Duration.ofHours(1)), JobRequest.of("r", Map.of())))
            .build();
    node.start();
    server = MillraceServer.builder(node, registry).port(0).token(TOKEN).start();
    readOnly = MillraceServer.builder(node, registry).port(0).token(TOKEN).readOnly(true).start();
  }

  @AfterAll
  static void stop() {
    readOnly.close();
    server.close();
    node.close();
    db.close();
  }

  @Test
  void listsShowsAndSteersSchedules() throws Exception {
    Http http = new Http(server);
    JsonNode list = http.get("/api/schedules").json().get("schedules");
    assertThat(list).hasSize(2);
    JsonNode nightly = http.get("/api/schedules/nightly").json();
    assertThat(nightly.get("schedule").asText()).isEqualTo("cron:30 2 * * *");
    assertThat(nightly.get("zone").asText()).isEqualTo("America/New_York");
    assertThat(nightly.get("misfire").asText()).isEqualTo("fire_once");
    assertThat(nightly.get("nextFireTimes")).hasSize(5);
    assertThat(nightly.get("registeredBy").get(0).asText()).isEqualTo("api-node");
    assertThat(nightly.get("orphaned").asBoolean()).isFalse();
    assertThat(nightly.get("lastJobId").isNull()).isTrue();
    assertThat(http.get("/api/schedules/nope").status()).isEqualTo(404);

    String[] auth = {"Authorization", "Bearer " + TOKEN};
    assertThat(http.post("/api/schedules/nightly/pause", "").status()).isEqualTo(401);
    Http.Reply paused = http.post("/api/schedules/nightly/pause", "", auth);
    assertThat(paused.status()).isEqualTo(200);
    assertThat(paused.json().get("paused").asBoolean()).isTrue();
    assertThat(paused.json().get("firing").asBoolean()).isFalse();
    Http.Reply resumed = http.post("/api/schedules/nightly/resume", "", auth);
    assertThat(resumed.json().get("paused").asBoolean()).isFalse();

    Http.Reply triggered = http.post("/api/schedules/nightly/trigger", "", auth);
    assertThat(triggered.status()).isEqualTo(201);
    long jobId = triggered.json().get("jobId").asLong();
    assertThat(triggered.json().get("trigger").asLong()).isEqualTo(1);
    JsonNode after = http.get("/api/schedules/nightly").json();
    assertThat(after.get("lastJobId").asLong()).isEqualTo(jobId);
    assertThat(after.get("lastOutcome").asText()).isEqualTo("available");
    assertThat(http.post("/api/schedules/nope/trigger", "", auth).status()).isEqualTo(404);

    assertThat(http.method("DELETE", "/api/schedules/hourly").status()).isEqualTo(401);
    Http ro = new Http(readOnly);
    assertThat(ro.method("DELETE", "/api/schedules/hourly", auth).status()).isEqualTo(403);
    assertThat(ro.post("/api/schedules/hourly/pause", "", auth).status()).isEqualTo(403);
    assertThat(node.schedules().get("hourly").orElseThrow().paused()).isFalse();
    Http.Reply deleted = http.method("DELETE", "/api/schedules/hourly", auth);
    assertThat(deleted.status()).isEqualTo(200);
    assertThat(deleted.json().get("deleted").asBoolean()).isTrue();
    assertThat(http.method("DELETE", "/api/schedules/hourly", auth).status()).isEqualTo(404);
    assertThat(node.schedules().get("hourly")).isEmpty();
  }
}
