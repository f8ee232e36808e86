package io.millrace.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.server.MillraceServlet;
import io.millrace.testing.TestDatabase;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The admin API and the dashboard in the application's own Tomcat, in full mode, under a path of
 * the application's choosing: reads and actions work, the page and every script it loads resolve
 * under the prefix, and none of it needs Jetty.
 */
// Closed after the class: a context per mode, never all of them alive until the JVM exits.
@DirtiesContext
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    classes = {WebTestApp.class, OpenSecurity.class},
    properties = {"millrace.web.mode=full", "millrace.web.path=/ops/millrace"})
class MillraceWebTest {
  private static final TestDatabase db = TestDatabase.create("spring_web_full");

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

  @Autowired ServletRegistrationBean<MillraceServlet> registration;

  @Test
  void readsAndActionsWorkUnderThePath() throws Exception {
    WebTestApp.Client http = new WebTestApp.Client(port);
    WebTestApp.Reply queues = http.get("/ops/millrace/api/queues");
    assertThat(queues.status()).as(queues.body()).isEqualTo(200);
    assertThat(queues.header("Content-Type")).startsWith("application/json");
    assertThat(queues.body()).contains("\"queues\":");

    WebTestApp.Reply paused = http.post("/ops/millrace/api/queues/default/pause", "");
    assertThat(paused.status()).as(paused.body()).isEqualTo(200);
    assertThat(paused.body()).contains("\"paused\":true");
    assertThat(db.column("SELECT count(*) FROM {schema}.queues WHERE paused")).containsExactly("1");
    assertThat(http.post("/ops/millrace/api/queues/default/resume", "").status()).isEqualTo(200);

    WebTestApp.Reply server = http.get("/ops/millrace/api/server");
    assertThat(server.body()).contains("\"readOnly\":false");
    assertThat(http.get("/ops/millrace/ready").status()).isIn(200, 503);
    // Errors keep the API's shape; the mount is the application's, so nothing else is Millrace's.
    WebTestApp.Reply missing = http.get("/ops/millrace/api/no-such-thing");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.body()).contains("\"error\"");
    assertThat(http.get("/millrace/api/queues").status()).isEqualTo(404);
  }

  @Test
  void theDashboardAndEveryScriptItLoadsResolveUnderThePath() throws Exception {
    WebTestApp.Client http = new WebTestApp.Client(port);
    WebTestApp.Reply bare = http.get("/ops/millrace");
    assertThat(bare.status()).isEqualTo(301);
    assertThat(bare.header("Location")).isEqualTo("/ops/millrace/");

    WebTestApp.Reply page = http.get("/ops/millrace/");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.header("Content-Type")).startsWith("text/html");
    assertThat(page.header("Content-Security-Policy")).contains("script-src 'self'");
    // Every file the page names, and every module those import, relative to where it was found.
    Set<String> seen = new LinkedHashSet<>();
    crawl(http, "/ops/millrace/", page.body(), seen);
    assertThat(seen)
        .contains(
            "/ops/millrace/dashboard/app.js",
            "/ops/millrace/dashboard/style.css",
            "/ops/millrace/dashboard/lib/api.js",
            "/ops/millrace/dashboard/pages/index.js",
            "/ops/millrace/dashboard/pages/overview.js");
    assertThat(seen).allMatch(p -> p.startsWith("/ops/millrace/dashboard/"));
  }

  @Test
  void theServletPathNeedsNoJetty() {
    assertThat(registration.getUrlMappings()).containsExactly("/ops/millrace/*");
    assertThatThrownBy(() -> Class.forName("org.eclipse.jetty.server.Server"))
        .isInstanceOf(ClassNotFoundException.class);
  }

  private static final Pattern REFERENCE =
      Pattern.compile("(?:href|src)=\"([^\"#]+)\"|from '([^']+)'|import '([^']+)'");

  private static void crawl(WebTestApp.Client http, String at, String text, Set<String> seen)
      throws Exception {
    Matcher m = REFERENCE.matcher(text);
    while (m.find()) {
      String ref = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
      String path = java.net.URI.create(at).resolve(ref).getPath();
      if (!seen.add(path)) {
        continue;
      }
      WebTestApp.Reply r = http.get(path);
      assertThat(r.status()).as(path + " named in " + at).isEqualTo(200);
      if (path.endsWith(".js")) {
        assertThat(r.header("Content-Type")).startsWith("text/javascript");
        crawl(http, path, r.body(), seen);
      }
    }
  }
}
