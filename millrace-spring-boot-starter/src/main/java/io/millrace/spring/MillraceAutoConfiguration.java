package io.millrace.spring;

import io.micrometer.core.instrument.MeterRegistry;
import io.millrace.Millrace;
import io.millrace.backfills.Backfill;
import io.millrace.base.JsonCodec;
import io.millrace.jobs.PeriodicJob;
import io.millrace.projections.Projection;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * A Millrace node on the application's DataSource: built from {@code millrace.*} and the context's
 * {@link MillraceHandler}, {@link PeriodicJob}, {@link Projection}, {@link Backfill} and {@link
 * MillraceBuilderCustomizer} beans, migrated when created, started and drained with the context
 * ({@link MillraceLifecycle}), with a {@link MillraceTemplate} whose writes join Spring
 * transactions, the application's MeterRegistry for its meters and its JSON mapper for its values
 * ({@link MillraceJsonCodecs}).
 *
 * <p>Ordered after the DataSource, transaction, Flyway and metrics auto-configurations of both Boot
 * 4 (one module each) and Boot 3 (one jar), named by string so either line loads this class.
 */
@AutoConfiguration(
    afterName = {
      "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
      "org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration",
      "org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration",
      "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration",
      "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
      "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
      "org.springframework.boot.autoconfigure.jdbc.DataSourceTransactionManagerAutoConfiguration",
      "org.springframework.boot.autoconfigure.transaction.TransactionAutoConfiguration",
      "org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
      "org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration"
    })
@ConditionalOnSingleCandidate(DataSource.class)
@ConditionalOnProperty(
    prefix = "millrace",
    name = "enabled",
    havingValue = "true",
    matchIfMissing = true)
@EnableConfigurationProperties(MillraceProperties.class)
public class MillraceAutoConfiguration {
  /** Spring's own default for {@code spring.lifecycle.timeout-per-shutdown-phase}. */
  static final Duration DEFAULT_SHUTDOWN_PHASE = Duration.ofSeconds(30);

  @Bean
  @ConditionalOnMissingBean
  public Millrace millrace(
      DataSource dataSource,
      MillraceProperties properties,
      Environment environment,
      ListableBeanFactory beans,
      ObjectProvider<PeriodicJob> periodicJobs,
      ObjectProvider<Projection> projections,
      ObjectProvider<Backfill> backfills,
      ObjectProvider<MeterRegistry> meterRegistry,
      JsonCodec jsonCodec,
      ObjectProvider<MillraceBuilderCustomizer> customizers,
      ObjectProvider<OpenTelemetry> openTelemetry,
      @MillraceDirectDataSource ObjectProvider<DataSource> directDataSource,
      @MillraceReadDataSource ObjectProvider<DataSource> readDataSource) {
    List<MillraceBuilderCustomizer> customizing = new ArrayList<>();
    // The application's OpenTelemetry, when it has exactly one, carries the attempts' spans;
    // without one the builder's default (GlobalOpenTelemetry) stands. First, so that an
    // application's own customizer can still replace it.
    OpenTelemetry otel = openTelemetry.getIfUnique();
    if (otel != null) {
      customizing.add(b -> b.openTelemetry(otel));
    }
    customizers.orderedStream().forEach(customizing::add);
    Duration phase =
        Binder.get(environment)
            .bind("spring.lifecycle.timeout-per-shutdown-phase", Duration.class)
            .orElse(DEFAULT_SHUTDOWN_PHASE);
    Map<String, MillraceHandler<?>> handlers = new LinkedHashMap<>();
    beans.getBeansOfType(MillraceHandler.class).forEach(handlers::put);
    Millrace millrace =
        MillraceFactory.create(
            dataSource,
            properties,
            phase,
            new MillraceFactory.Contributions(
                handlers,
                periodicJobs.orderedStream().toList(),
                projections.orderedStream().toList(),
                backfills.orderedStream().toList(),
                directDataSource.getIfUnique(),
                readDataSource.getIfUnique(),
                meterRegistry.getIfUnique(),
                jsonCodec,
                List.copyOf(customizing)));
    if (properties.isMigrate()) {
      // Here rather than at start: a bean that enqueues while the context starts finds the tables.
      millrace.migrate();
    }
    return millrace;
  }

  /**
   * The node's JSON codec: the application's own mapper, Jackson 3 before Jackson 2 (see {@link
   * MillraceJsonCodecs}); a {@code JsonCodec} bean of the application's replaces it.
   */
  @Bean
  @ConditionalOnMissingBean(JsonCodec.class)
  public JsonCodec millraceJsonCodec(ListableBeanFactory beans) {
    return MillraceJsonCodecs.pick(beans, getClass().getClassLoader());
  }

  @Bean
  @ConditionalOnMissingBean
  public MillraceTemplate millraceTemplate(
      ObjectProvider<Millrace> millrace, DataSource dataSource) {
    return new MillraceTemplate(millrace::getObject, dataSource);
  }

  @Bean
  @ConditionalOnBean(ApplicationAvailability.class)
  @ConditionalOnProperty(
      prefix = "millrace.readiness",
      name = "enabled",
      havingValue = "true",
      matchIfMissing = true)
  MillraceAvailability millraceAvailability(
      Millrace millrace,
      ApplicationAvailability availability,
      ApplicationEventPublisher events,
      MillraceProperties properties) {
    return new MillraceAvailability(
        millrace.readiness(), availability, events, properties.getReadiness().getInterval());
  }

  @Bean
  MillraceLifecycle millraceLifecycle(
      Millrace millrace, ObjectProvider<MillraceAvailability> availability) {
    return new MillraceLifecycle(millrace, availability.getIfAvailable());
  }
}
