package io.millrace.spring;

import io.millrace.Millrace;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@code millrace} health contributor, when Boot's health support (spring-boot-health, which
 * the actuator brings) is on the classpath; {@code management.health.millrace.enabled=false} turns
 * it off. Readiness is not this contributor's job: see {@link MillraceAvailability}.
 */
@AutoConfiguration(after = MillraceAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
@ConditionalOnBean(Millrace.class)
public class MillraceHealthAutoConfiguration {
  /**
   * Nested: Spring resolves every condition class of a class before evaluating any, so the health
   * module's own condition may only appear behind the class check above.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnEnabledHealthIndicator("millrace")
  static class Contributor {
    @Bean
    MillraceHealthIndicator millraceHealthIndicator(Millrace millrace, DataSource dataSource) {
      return new MillraceHealthIndicator(millrace, dataSource);
    }
  }
}
