package io.millrace.spring;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * A servlet web application (embedded Tomcat, Spring Security on the class path) with Millrace on
 * the test database, for the tests of the mounted admin API and dashboard; and a small HTTP client
 * for them.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(TestDataSource.class)
class WebTestApp {
  static void node(DynamicPropertyRegistry registry, String schema) {
    for (String property : TestDataSource.fastNode(schema)) {
      int eq = property.indexOf('=');
      registry.add(property.substring(0, eq), () -> property.substring(eq + 1));
    }
    registry.add("spring.flyway.enabled", () -> "false");
    registry.add("millrace.queues.default.concurrency", () -> "1");
  }

  record Reply(int status, String body, HttpResponse<String> response) {
    String header(String name) {
      return response.headers().firstValue(name).orElse(null);
    }
  }

  static final class Client {
    private final HttpClient http = HttpClient.newHttpClient();
    private final int port;
    private final String authorization;

    Client(int port) {
      this(port, null);
    }

    private Client(int port, String authorization) {
      this.port = port;
      this.authorization = authorization;
    }

    Client basic(String user, String password) {
      return new Client(
          port,
          "Basic "
              + Base64.getEncoder()
                  .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }

    Reply get(String path) throws IOException, InterruptedException {
      return send(request(path).GET());
    }

    Reply post(String path, String json) throws IOException, InterruptedException {
      return send(
          request(path)
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private HttpRequest.Builder request(String path) {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
      if (authorization != null) {
        b.header("Authorization", authorization);
      }
      return b;
    }

    private Reply send(HttpRequest.Builder request) throws IOException, InterruptedException {
      HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.body(), r);
    }
  }
}
