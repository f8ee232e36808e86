package io.millrace.spring;

import io.millrace.Millrace;
import io.millrace.base.ValidationException;
import io.millrace.server.MillraceServlet;
import java.util.regex.Pattern;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * The admin API and the dashboard inside the application's own servlet container, under {@code
 * millrace.web.path} ({@code /millrace} by default): a {@link MillraceServlet} registered for
 * {@code <path>/*}. A servlet of the application's context runs behind every servlet filter the
 * application has, Spring Security's filter chain included, so the application's own rules decide
 * who reaches it. {@code millrace.web.mode}: {@code read-only} (the default: every read, no
 * action), {@code full}, or {@code disabled} (nothing is registered).
 *
 * <p>Active only when {@code millrace-server} is on the class path (an optional dependency of the
 * starter) and the application is a servlet web application.
 */
@AutoConfiguration(after = MillraceAutoConfiguration.class)
@ConditionalOnClass(name = "io.millrace.server.MillraceServlet")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnBean(Millrace.class)
@Conditional(MillraceWebAutoConfiguration.Mounted.class)
public class MillraceWebAutoConfiguration {
  /** Plain path segments: what the mount is in the URL is what it is in the servlet mapping. */
  private static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9._~-]+)+");

  @Bean
  @ConditionalOnMissingBean(name = "millraceWebServlet")
  public ServletRegistrationBean<MillraceServlet> millraceWebServlet(
      Millrace millrace, MillraceProperties properties) {
    MillraceProperties.Web web = properties.getWeb();
    String path = web.getPath();
    if (!PATH.matcher(path).matches()) {
      throw new InvalidConfigurationPropertyValueException(
          "millrace.web.path",
          path,
          "must be a path of plain segments such as /millrace, starting with / and without a"
              + " trailing /");
    }
    MillraceServlet servlet;
    try {
      servlet =
          MillraceServlet.builder(millrace)
              .readOnly(web.getMode() == MillraceProperties.WebMode.READ_ONLY)
              .maxBodyBytes(web.getMaxBodySize().toBytes())
              .build();
    } catch (ValidationException e) {
      throw new InvalidConfigurationPropertyValueException(
          "millrace.web.max-body-size", web.getMaxBodySize(), "must be at least 1KB");
    }
    ServletRegistrationBean<MillraceServlet> registration =
        new ServletRegistrationBean<>(servlet, path + "/*");
    registration.setName("millrace");
    // Started with the container, so the first request does not pay for it.
    registration.setLoadOnStartup(1);
    return registration;
  }

  /** Unless {@code millrace.web.mode} is {@code disabled}. */
  static final class Mounted extends SpringBootCondition {
    @Override
    public ConditionOutcome getMatchOutcome(
        ConditionContext context, AnnotatedTypeMetadata metadata) {
      MillraceProperties.WebMode mode =
          Binder.get(context.getEnvironment())
              .bind("millrace.web.mode", MillraceProperties.WebMode.class)
              .orElse(MillraceProperties.WebMode.READ_ONLY);
      return mode == MillraceProperties.WebMode.DISABLED
          ? ConditionOutcome.noMatch("millrace.web.mode is disabled")
          : ConditionOutcome.match("millrace.web.mode is " + mode);
    }
  }
}
