package io.millrace.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The default mode, read-only, at the default path: every read works, every other request is
 * refused with 403 and a JSON error that names the mode, and nothing is changed.
 */
// Closed after the class: a context per mode, never all of them alive until the JVM exits.
@DirtiesContext
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    classes = {WebTestApp.class, OpenSecurity.class})
class MillraceWebReadOnlyTest {
  private static final TestDatabase db = TestDatabase.create("spring_web_readonly");

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    WebTestApp.node(registry, db.schema());
  }

  @AfterAll
  static void closePool() {
    db.close();
  }

  @Value("${local.server.port}")
  int port;

  @Test
  void readsWorkAndEveryMutationIsRefusedNamingTheMode() throws Exception {
    WebTestApp.Client http = new WebTestApp.Client(port);
    assertThat(http.get("/millrace/api/queues").status()).isEqualTo(200);
    assertThat(http.get("/millrace/api/jobs").status()).isEqualTo(200);
    assertThat(http.get("/millrace/").status()).isEqualTo(200);
    assertThat(http.get("/millrace/api/server").body()).contains("\"readOnly\":true");

    for (String path :
        new String[] {
          "/millrace/api/queues/default/pause",
          "/millrace/api/jobs",
          "/millrace/api/storage/counters/rebuild",
          "/millrace/",
          "/millrace/no-such-route"
        }) {
      WebTestApp.Reply refused = http.post(path, "{\"kind\":\"x\"}");
      assertThat(refused.status()).as(path).isEqualTo(403);
      assertThat(refused.header("Content-Type")).startsWith("application/json");
      assertThat(refused.body()).contains("read-only").contains("\"error\"");
    }
    assertThat(db.column("SELECT count(*) FROM {schema}.queues WHERE paused")).containsExactly("0");
    assertThat(db.column("SELECT count(*) FROM {schema}.jobs")).containsExactly("0");
  }
}
