package io.millrace.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.jobs.JobRequest;
import io.millrace.testing.TestDatabase;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dashboard as {@link MillraceServlet}, mounted by an application below its own context path
 * ({@code /app}) and a path of its choosing ({@code /ops/millrace}): in a real browser the page
 * loads its modules, reads the API and acts through it, all under the prefix, and its requests
 * carry the application's session cookie, so they pass the application's own login.
 */
class MountedDashboardBrowserTest {
  record Work(String name) {}

  static final String SESSION = "APPSESSION";
  static TestDatabase db;
  static Millrace node;
  static Server container;
  static int port;
  static Browser browser;

  @BeforeAll
  static void start() throws Exception {
    db = TestDatabase.create("mounted");
    node =
        db.builder()
            .queue("mounted", 1)
            .handler("work", Work.class, job -> Map.of("done", job.args().name()))
            .build();
    node.migrate();
    node.start();
    container = new Server(new InetSocketAddress("127.0.0.1", 0));
    ServletContextHandler context = new ServletContextHandler("/app");
    // The application's own login, as a session cookie (what Spring Security's form login sets):
    // without it nothing under the mount is served, the API calls of the page included.
    context.addFilter(
        new FilterHolder(
            (Filter)
                (request, response, chain) -> {
                  Cookie[] cookies = ((HttpServletRequest) request).getCookies();
                  if (cookies != null
                      && Arrays.stream(cookies).anyMatch(c -> c.getName().equals(SESSION))) {
                    chain.doFilter(request, response);
                  } else {
                    ((HttpServletResponse) response).sendError(401);
                  }
                }),
        "/*",
        EnumSet.of(DispatcherType.REQUEST));
    context.addServlet(new ServletHolder(MillraceServlet.builder(node).build()), "/ops/millrace/*");
    container.setHandler(context);
    container.start();
    port = ((ServerConnector) container.getConnectors()[0]).getLocalPort();
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.close();
    }
    if (container != null) {
      container.stop();
    }
    if (node != null) {
      node.close();
    }
    if (db != null) {
      db.close();
    }
  }

  @Test
  void theMountedDashboardReadsAndActsUnderItsPrefix() {
    node.admin().setPaused("mounted", true);
    for (int i = 0; i < 2; i++) {
      node.enqueue(JobRequest.of("work", new Work("m" + i)).queue("mounted"));
    }
    browser = Browser.start();
    browser.driver().get("http://127.0.0.1:" + port + "/app/login");
    browser.driver().manage().addCookie(new org.openqa.selenium.Cookie(SESSION, "operator", "/"));
    // Without the trailing slash: redirected, so the page's relative links resolve below it.
    browser.open("http://127.0.0.1:" + port + "/app/ops/millrace?refresh=300#/");
    browser.waitFor(
        "2 available in queue mounted",
        () -> "2".equals(browser.text("tr[data-queue='mounted'] [data-count='available']")));
    assertThat(browser.driver().getCurrentUrl()).contains("/app/ops/millrace/");
    browser.click("tr[data-queue='mounted'] button[data-action='resume']");
    browser.waitFor(
        "2 completed in queue mounted",
        () -> "2".equals(browser.text("tr[data-queue='mounted'] [data-count='completed']")));
    assertThat(node.admin().pausedQueues()).doesNotContain("mounted");
    browser.screenshot(getClass().getSimpleName() + "-last");
  }
}
