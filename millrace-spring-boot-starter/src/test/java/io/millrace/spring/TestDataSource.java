package io.millrace.spring;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.testing.TestDatabase;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The application's DataSource in these tests: a pool of its own on the shared embedded server,
 * closed with its context. Each test class works in its own Millrace schema (millrace.schema).
 */
@Configuration(proxyBeanMethods = false)
class TestDataSource {
  @Bean
  HikariDataSource dataSource() {
    return TestDatabase.pool(TestDatabase.jdbcUrl(), 10, "millrace-spring-test");
  }

  /** Fast loops and a short drain, so a context starts and stops in well under a second. */
  static String[] fastNode(String schema) {
    return new String[] {
      "millrace.schema=" + schema,
      "millrace.lease=3s",
      "millrace.heartbeat=500ms",
      "millrace.poll-interval=200ms",
      "millrace.maintenance-interval=200ms",
      "millrace.counts-refresh-interval=1s",
      "millrace.shutdown-timeout=5s",
      "millrace.readiness.interval=100ms"
    };
  }
}
