package io.millrace.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The whole service against a real PostgreSQL: a sign-up over HTTP stores its row and its job in
 * one transaction, the handler bean sends the email, the cron bean is scheduled, the actuator
 * reports Millrace, and the dashboard is mounted read-only.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SignupApplicationTest {
  /** The application's DataSource, on an embedded PostgreSQL started for this test. */
  @TestConfiguration(proxyBeanMethods = false)
  static class EmbeddedDatabase {
    @Bean(destroyMethod = "close")
    EmbeddedPostgres postgres() throws IOException {
      return EmbeddedPostgres.start();
    }

    @Bean
    HikariDataSource dataSource(EmbeddedPostgres postgres) {
      HikariDataSource dataSource = new HikariDataSource();
      dataSource.setJdbcUrl(postgres.getJdbcUrl("postgres", "postgres"));
      dataSource.setUsername("postgres");
      dataSource.setPassword("postgres");
      return dataSource;
    }
  }

  @Value("${local.server.port}")
  int port;

  @Autowired JdbcClient jdbc;
  @Autowired Millrace millrace;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void aSignUpStoresItsRowAndItsJobTogetherAndTheHandlerSendsTheEmail() throws Exception {
    HttpResponse<String> created =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/signups"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"email\":\"ada@example.com\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(created.statusCode()).isEqualTo(200);
    assertThat(created.body()).contains("\"id\"");

    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                jdbc.sql("SELECT count(*) FROM sent_emails WHERE signup_email = ?")
                        .param("ada@example.com")
                        .query(Long.class)
                        .single()
                    == 1);
  }

  @Test
  void theCronBeanIsScheduledAndTheActuatorReportsMillrace() throws Exception {
    assertThat(
            jdbc.sql("SELECT spec FROM millrace.schedules WHERE name = 'daily-digest'")
                .query(String.class)
                .list())
        .containsExactly("cron:0 6 * * *");

    HttpResponse<String> health = get("/actuator/health");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).contains("\"millrace\"").contains(millrace.nodeId());
    assertThat(get("/actuator/health/readiness").statusCode()).isEqualTo(200);
  }

  @Test
  void theDashboardIsMountedReadOnlyAtMillrace() throws Exception {
    HttpResponse<String> page = get("/millrace/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("src=\"dashboard/app.js\"");
    assertThat(get("/millrace/dashboard/app.js").statusCode()).isEqualTo(200);
    HttpResponse<String> queues = get("/millrace/api/queues");
    assertThat(queues.statusCode()).isEqualTo(200);
    assertThat(queues.body()).contains("\"queues\"");
    HttpResponse<String> pause =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/millrace/api/queues/default/pause"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(pause.statusCode()).isEqualTo(403);
    assertThat(pause.body()).contains("read-only");
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
