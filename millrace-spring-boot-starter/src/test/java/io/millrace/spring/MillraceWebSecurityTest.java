package io.millrace.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The mounted admin API and dashboard are behind the application's Spring Security: its filter
 * chain runs before the servlet, so a request without credentials is refused and one with them is
 * served, actions included (full mode).
 */
// Closed after the class: a context per mode, never all of them alive until the JVM exits.
@DirtiesContext
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    classes = {WebTestApp.class, MillraceWebSecurityTest.Secured.class},
    properties = "millrace.web.mode=full")
class MillraceWebSecurityTest {
  private static final TestDatabase db = TestDatabase.create("spring_web_security");

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    WebTestApp.node(registry, db.schema());
  }

  @AfterAll
  static void closePool() {
    db.close();
  }

  /** The application's security: operators, with HTTP basic, for everything under /millrace. */
  @Configuration(proxyBeanMethods = false)
  static class Secured {
    // The chain docs/spring-boot.md shows.
    @Bean
    SecurityFilterChain security(HttpSecurity http) throws Exception {
      return http.authorizeHttpRequests(
              a -> a.requestMatchers("/millrace/**").hasRole("OPS").anyRequest().authenticated())
          .httpBasic(Customizer.withDefaults())
          // The admin API refuses mutations sent by a browser from another origin itself
          // (Origin and Sec-Fetch-Site), and the dashboard sends no CSRF token.
          .csrf(c -> c.ignoringRequestMatchers("/millrace/**"))
          .build();
    }

    @Bean
    InMemoryUserDetailsManager users() {
      return new InMemoryUserDetailsManager(
          User.withUsername("ops").password("{noop}secret").roles("OPS").build(),
          User.withUsername("guest").password("{noop}guest").roles("GUEST").build());
    }
  }

  @Value("${local.server.port}")
  int port;

  @Test
  void unauthenticatedIsRefusedAndAnOperatorIsServed() throws Exception {
    WebTestApp.Client anonymous = new WebTestApp.Client(port);
    assertThat(anonymous.get("/millrace/api/queues").status()).isEqualTo(401);
    assertThat(anonymous.get("/millrace/").status()).isEqualTo(401);
    assertThat(anonymous.post("/millrace/api/queues/default/pause", "").status()).isEqualTo(401);
    assertThat(new WebTestApp.Client(port).basic("ops", "wrong").get("/millrace/").status())
        .isEqualTo(401);
    assertThat(new WebTestApp.Client(port).basic("guest", "guest").get("/millrace/").status())
        .isEqualTo(403);

    WebTestApp.Client ops = new WebTestApp.Client(port).basic("ops", "secret");
    WebTestApp.Reply queues = ops.get("/millrace/api/queues");
    assertThat(queues.status()).as(queues.body()).isEqualTo(200);
    assertThat(ops.get("/millrace/").status()).isEqualTo(200);
    assertThat(ops.get("/millrace/dashboard/app.js").status()).isEqualTo(200);
    WebTestApp.Reply paused = ops.post("/millrace/api/queues/default/pause", "");
    assertThat(paused.status()).as(paused.body()).isEqualTo(200);
    assertThat(ops.post("/millrace/api/queues/default/resume", "").status()).isEqualTo(200);
  }
}
