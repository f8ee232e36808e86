package io.millrace.examples.springboot;

import io.millrace.spring.MillraceHandler;
import java.util.Map;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The daily digest's handler, as a bean method: counts the day's sign-ups. */
@Configuration(proxyBeanMethods = false)
public class DigestHandler {
  @Bean
  MillraceHandler<Map> digest(JdbcClient jdbc) {
    return MillraceHandler.of(
        "digest.send",
        Map.class,
        job -> jdbc.sql("SELECT count(*) FROM signups").query(Long.class).single());
  }
}
