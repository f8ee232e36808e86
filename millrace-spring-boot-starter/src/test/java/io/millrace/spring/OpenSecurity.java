package io.millrace.spring;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;

/** An application's own security that lets everyone in, as an application may. */
@Configuration(proxyBeanMethods = false)
class OpenSecurity {
  @Bean
  SecurityFilterChain open(HttpSecurity http) throws Exception {
    return http.authorizeHttpRequests(a -> a.anyRequest().permitAll())
        // The admin API refuses cross-origin mutations itself (see docs/spring-boot.md).
        .csrf(c -> c.ignoringRequestMatchers("/millrace/**", "/ops/millrace/**"))
        .build();
  }
}
