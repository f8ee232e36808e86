package io.millrace.spring;

import io.micrometer.core.instrument.MeterRegistry;
import io.millrace.Millrace;
import io.millrace.MillraceBuilder;
import io.millrace.backfills.Backfill;
import io.millrace.base.JsonCodec;
import io.millrace.base.TypeRef;
import io.millrace.base.ValidationException;
import io.millrace.jobs.JobState;
import io.millrace.jobs.PeriodicJob;
import io.millrace.projections.Projection;
import io.millrace.workflows.WorkflowOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Turns {@link MillraceProperties} and the context's Millrace beans into a {@link MillraceBuilder}.
 * The builder and the options records check every value; a rejection is rethrown as Boot's {@link
 * InvalidConfigurationPropertyValueException} carrying the property's name, so start-up fails with
 * "Invalid value '-1' for configuration property 'millrace.queues.default.concurrency'" and the
 * file and line it came from, instead of a builder field name the user never wrote.
 */
final class MillraceFactory {
  /** Kept between the end of the handlers' drain and the end of Spring's shutdown phase. */
  static final Duration SHUTDOWN_MARGIN = Duration.ofSeconds(5);

  private MillraceFactory() {}

  /** Beans the context contributes, each list in the beans' order. */
  record Contributions(
      Map<String, MillraceHandler<?>> handlers,
      List<PeriodicJob> periodicJobs,
      List<Projection> projections,
      List<Backfill> backfills,
      @Nullable DataSource directDataSource,
      @Nullable DataSource readDataSource,
      @Nullable MeterRegistry meterRegistry,
      JsonCodec jsonCodec,
      List<MillraceBuilderCustomizer> customizers) {}

  static Millrace create(
      DataSource dataSource,
      MillraceProperties p,
      Duration shutdownPhaseTimeout,
      Contributions beans) {
    MillraceBuilder b = Millrace.builder(dataSource);
    set("millrace.schema", p.getSchema(), b::schema);
    set("millrace.node-id", p.getNodeId(), b::nodeId);
    p.getQueues()
        .forEach(
            (name, queue) -> {
              try {
                b.queue(name, queue.getConcurrency());
              } catch (ValidationException e) {
                boolean concurrency = e.field().equals("concurrency");
                throw invalid(
                    "millrace.queues" + key(name) + (concurrency ? ".concurrency" : ""),
                    concurrency ? queue.getConcurrency() : name,
                    e);
              }
            });
    set(
        "millrace.external-kinds",
        p.getExternalKinds().isEmpty() ? null : p.getExternalKinds(),
        kinds -> b.externalKinds(kinds.toArray(String[]::new)));
    set("millrace.lease", p.getLease(), b::lease);
    set("millrace.heartbeat", p.getHeartbeat(), b::heartbeat);
    set("millrace.rescue-grace", p.getRescueGrace(), b::rescueGrace);
    set("millrace.poll-interval", p.getPollInterval(), b::pollInterval);
    set("millrace.fetch-batch", p.getFetchBatch(), b::fetchBatch);
    set("millrace.prefetch", p.getPrefetch(), b::prefetch);
    set("millrace.completion-batch", p.getCompletionBatch(), b::completionBatch);
    set("millrace.completion-linger", p.getCompletionLinger(), b::completionLinger);
    RetrySettings.apply(p, b);
    set("millrace.listen", p.getListen(), b::listen);
    set("millrace.vacuum-hot-table", p.getVacuumHotTable(), b::vacuumHotTable);
    set("millrace.maintenance-interval", p.getMaintenanceInterval(), b::maintenanceInterval);
    set("millrace.housekeeping-interval", p.getHousekeepingInterval(), b::housekeepingInterval);
    MillraceProperties.Retention r = p.getRetention();
    set("millrace.retention.completed", r.getCompleted(), d -> b.retention(JobState.COMPLETED, d));
    set("millrace.retention.failed", r.getFailed(), d -> b.retention(JobState.FAILED, d));
    set("millrace.retention.cancelled", r.getCancelled(), d -> b.retention(JobState.CANCELLED, d));
    set("millrace.retention.skipped", r.getSkipped(), d -> b.retention(JobState.SKIPPED, d));
    set("millrace.max-args-bytes", p.getMaxArgsBytes(), b::maxArgsBytes);
    set("millrace.misfire-threshold", p.getMisfireThreshold(), b::misfireThreshold);
    set("millrace.orphaned-schedule-after", p.getOrphanedScheduleAfter(), b::orphanedScheduleAfter);
    set(
        "millrace.shutdown-timeout",
        shutdownTimeout(p.getShutdownTimeout(), shutdownPhaseTimeout),
        b::shutdownTimeout);
    set("millrace.counts-refresh-interval", p.getCountsRefreshInterval(), b::countsRefreshInterval);
    b.workflows(workflows(p.getWorkflows()));

    beans.handlers().forEach((name, handler) -> handler(b, name, handler));
    beans.periodicJobs().forEach(b::periodic);
    beans.projections().forEach(b::projection);
    beans.backfills().forEach(b::backfill);
    // The @MillraceDirectDataSource and @MillraceReadDataSource beans; the builder refuses a read
    // DataSource that is the node's own, naming it.
    DataSource direct = beans.directDataSource();
    if (direct != null && direct != dataSource) {
      b.directDataSource(direct);
    }
    DataSource read = beans.readDataSource();
    if (read != null) {
      b.readDataSource(read);
    }
    set("millrace.max-replica-lag", p.getMaxReplicaLag(), b::maxReplicaLag);
    if (beans.meterRegistry() != null) {
      b.meterRegistry(beans.meterRegistry());
    }
    b.jsonCodec(beans.jsonCodec());
    beans.customizers().forEach(c -> c.customize(b));
    try {
      return b.build();
    } catch (ValidationException e) {
      // build() checks settings against each other (a heartbeat shorter than the lease).
      throw invalid("millrace." + kebab(e.field()), null, e);
    }
  }

  /**
   * The drain must end before Spring's shutdown phase does: Spring then goes on to destroy beans,
   * the DataSource among them, under handlers still running.
   */
  static Duration shutdownTimeout(@Nullable Duration configured, Duration phase) {
    if (configured == null) {
      Duration lessMargin = phase.minus(SHUTDOWN_MARGIN);
      Duration half = phase.dividedBy(2);
      return lessMargin.compareTo(half) > 0 ? lessMargin : half;
    }
    if (configured.compareTo(phase) >= 0) {
      throw new InvalidConfigurationPropertyValueException(
          "millrace.shutdown-timeout",
          configured,
          "must be shorter than spring.lifecycle.timeout-per-shutdown-phase ("
              + phase
              + "), which bounds the whole shutdown of the node");
    }
    return configured;
  }

  private static WorkflowOptions workflows(MillraceProperties.Workflows p) {
    WorkflowOptions o = WorkflowOptions.DEFAULT;
    o = with(o, "millrace.workflows.stale-after", p.getStaleAfter(), o::staleAfter);
    o = with(o, "millrace.workflows.reconcile-batch", p.getReconcileBatch(), o::reconcileBatch);
    WorkflowOptions base = o;
    o = with(o, "millrace.workflows.namespace", p.getNamespace(), ns -> base.only(ns, null));
    WorkflowOptions scoped = o;
    o = with(o, "millrace.workflows.tag", p.getTag(), tag -> scoped.only(scoped.namespace(), tag));
    o = with(o, "millrace.workflows.dispatch", p.getDispatch(), o::dispatch);
    o = with(o, "millrace.workflows.retention", p.getRetention(), o::retention);
    return o;
  }

  private static void handler(MillraceBuilder b, String beanName, MillraceHandler<?> h) {
    try {
      register(b, h);
    } catch (ValidationException e) {
      throw new IllegalStateException(
          "Millrace handler bean '" + beanName + "' is invalid: " + e.getMessage(), e);
    }
  }

  private static <A> void register(MillraceBuilder b, MillraceHandler<A> h) {
    TypeRef<A> argsType = TypeRef.of(h.argsType());
    if (h.timeout().isPresent()) {
      b.handler(h.kind(), argsType, h, h.timeout().get());
    } else {
      b.handler(h.kind(), argsType, h);
    }
  }

  private static <T> WorkflowOptions with(
      WorkflowOptions current,
      String property,
      @Nullable T value,
      Function<T, WorkflowOptions> apply) {
    if (value == null) {
      return current;
    }
    try {
      return apply.apply(value);
    } catch (ValidationException e) {
      throw invalid(property, value, e);
    }
  }

  private static <T> void set(String property, @Nullable T value, Consumer<T> apply) {
    if (value == null) {
      return;
    }
    try {
      apply.accept(value);
    } catch (ValidationException e) {
      throw invalid(property, value, e);
    }
  }

  static InvalidConfigurationPropertyValueException invalid(
      String property, @Nullable Object value, ValidationException e) {
    String prefix = e.field() + ": ";
    String message = String.valueOf(e.getMessage());
    String reason = message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    // The public constructor takes no cause; the reason carries the builder's whole message.
    return new InvalidConfigurationPropertyValueException(property, value, reason);
  }

  /** A map key as Boot writes it: {@code .name}, or {@code [name]} unless plain lower case. */
  static String key(String name) {
    return name.matches("[a-z0-9-]+") ? "." + name : "[" + name + "]";
  }

  private static String kebab(String field) {
    return field.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
  }
}
