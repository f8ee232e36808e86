package io.millrace.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.server.MillraceServlet;
import io.millrace.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** {@code millrace.web.mode=disabled}: the node runs, and nothing of it is mounted. */
// Closed after the class: a context per mode, never all of them alive until the JVM exits.
@DirtiesContext
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    classes = {WebTestApp.class, OpenSecurity.class},
    properties = "millrace.web.mode=disabled")
class MillraceWebDisabledTest {
  private static final TestDatabase db = TestDatabase.create("spring_web_disabled");

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

  @Autowired ApplicationContext context;

  @Test
  void nothingIsMounted() throws Exception {
    assertThat(context.getBeansOfType(Millrace.class)).hasSize(1);
    assertThat(context.getBeanNamesForType(ServletRegistrationBean.class)).isEmpty();
    assertThat(context.getBeanNamesForType(MillraceServlet.class)).isEmpty();
    WebTestApp.Client http = new WebTestApp.Client(port);
    assertThat(http.get("/millrace/api/queues").status()).isEqualTo(404);
    assertThat(http.get("/millrace/").status()).isEqualTo(404);
  }
}
