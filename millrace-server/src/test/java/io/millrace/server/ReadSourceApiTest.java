package io.millrace.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.millrace.Millrace;
import io.millrace.jobs.JobRequest;
import io.millrace.testing.Await;
import io.millrace.testing.StreamingReplica;
import io.millrace.testing.TestDatabase;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The admin API's reads name their source in {@code Millrace-Read-Source}: the streaming replica
 * with its lag once it has replayed the write, the primary while the replica is down; actions stay
 * on the primary and carry no such header.
 */
class ReadSourceApiTest {
  @Test
  void readsNameTheirSourceAndLag() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (StreamingReplica pair = StreamingReplica.start();
        HikariDataSource primary = TestDatabase.pool(pair.primaryUrl(), 4);
        HikariDataSource replica = pair.replicaPool();
        Millrace node =
            Millrace.builder(primary)
                .schema("read_source")
                .meterRegistry(registry)
                .readDataSource(replica)
                .build()) {
      node.migrate();
      try (MillraceServer server = MillraceServer.builder(node, registry).port(0).start()) {
        Http http = new Http(server);
        long id = node.enqueue(JobRequest.of("report.build", Map.of())).id();
        Await.until(
            "the job page is read from the replica",
            () -> {
              try {
                Http.Reply r = http.get("/api/jobs/" + id);
                return r.status() == 200
                    && r.header(ReadSource.HEADER).matches("replica; lag-ms=\\d+");
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
        for (String path :
            List.of("/api/jobs", "/api/queues", "/api/workflows", "/api/backfills", "/api/nodes")) {
          Http.Reply r = http.get(path);
          assertThat(r.status()).as(path).isEqualTo(200);
          assertThat(r.header(ReadSource.HEADER)).as(path).startsWith("replica; lag-ms=");
        }
        assertThat(http.get("/api/jobs").json().get("jobs").get(0).get("id").asLong())
            .isEqualTo(id);

        pair.stopReplica();
        Await.until(
            "the job page is read from the primary",
            () -> {
              try {
                Http.Reply r = http.get("/api/jobs/" + id);
                return r.status() == 200
                    && r.header(ReadSource.HEADER).equals("primary; fallback=unreachable");
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
        Http.Reply cancel = http.post("/api/jobs/" + id + "/cancel", "");
        assertThat(cancel.status()).isEqualTo(200);
        assertThat(cancel.header(ReadSource.HEADER)).isNull();
      }
    }
  }
}
