package io.millrace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.testing.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code millrace serve} with a direct URL for its sessions and a read replica's URL: the node uses
 * both (its connection budget counts the direct sessions; the API's reads name their source). Here
 * both URLs point at the primary itself, so the replica is passed over as not a standby, which the
 * answer says; PgBouncerTest and ReplicaReadsTest run the same settings against a real PgBouncer
 * and a real streaming replica.
 */
class ServeTopologyTest {
  @TempDir Path home;

  @Test
  void serveTakesADirectUrlAndAReplicaUrlAndItsReadsSayWhereTheyWereServed() throws Exception {
    try (TestDatabase db = TestDatabase.create("serve_topology")) {
      ServeCommand serve = new ServeCommand();
      CommandLine cli = new CommandLine(serve);
      Thread serving =
          new Thread(
              () ->
                  cli.execute(
                      "--data-dir=" + home,
                      "--database-url=" + TestDatabase.jdbcUrl(),
                      "--database-user=postgres",
                      "--database-password=postgres",
                      "--schema=" + db.schema(),
                      "--direct-database-url=" + TestDatabase.jdbcUrl(),
                      "--read-database-url=" + TestDatabase.jdbcUrl(),
                      "--max-replica-lag=2s",
                      "--port=0"),
              "serve");
      serving.start();
      try {
        int port = serve.awaitStarted();
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> queues =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/queues"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(queues.statusCode()).isEqualTo(200);
        assertThat(queues.headers().firstValue("Millrace-Read-Source"))
            .hasValueSatisfying(h -> assertThat(h).startsWith("primary; fallback="));
        HttpResponse<String> metrics =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body()).contains("millrace_connections_budget{kind=\"direct\"}");
      } finally {
        serve.stop();
        serving.join();
      }
    }
  }
}
