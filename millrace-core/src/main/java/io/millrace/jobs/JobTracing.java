package io.millrace.jobs;

import io.millrace.internal.trace.TraceContexts;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer span of each attempt, through the OpenTelemetry API only (every call a no-op without
 * an SDK).
 *
 * <p>Following the messaging semantic conventions for a job that runs long after, and possibly more
 * than once after, the code that enqueued it: each attempt is a {@link SpanKind#CONSUMER} span that
 * starts a trace of its own and <em>links</em> to the context stored at enqueue, rather than being
 * its child. A parent would stretch the enqueuing request's trace over hours of retries and
 * backoff; a link keeps both traces bounded and still navigable from either side. An attempt of a
 * job enqueued outside any span (periodic fires, untraced callers) has no link. A workflow step's
 * attempt also links to the spans of the attempts that completed its parent steps (their
 * traceparents are kept in history with each completion), so a workflow reads as a chain of linked
 * traces.
 *
 * <p>The span is current while the handler runs, so the handler's own spans are its children and
 * the jobs it enqueues link to it.
 */
final class JobTracing {
  static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
  static final AttributeKey<String> OPERATION_TYPE =
      AttributeKey.stringKey("messaging.operation.type");
  static final AttributeKey<String> DESTINATION =
      AttributeKey.stringKey("messaging.destination.name");
  static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
  static final AttributeKey<Long> JOB_ID = AttributeKey.longKey("millrace.job.id");
  static final AttributeKey<String> JOB_KIND = AttributeKey.stringKey("millrace.job.kind");
  static final AttributeKey<String> QUEUE = AttributeKey.stringKey("millrace.queue");
  static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("millrace.attempt");

  private static final Logger log = LoggerFactory.getLogger(JobTracing.class);

  private final Tracer tracer;
  private final JobStore store;

  /**
   * False without an SDK: each attempt then skips building a span (its name and attributes) and
   * gets the invalid span, whose every call does nothing.
   */
  private final boolean enabled;

  JobTracing(OpenTelemetry openTelemetry, JobStore store) {
    this.store = store;
    TracerProvider provider = openTelemetry.getTracerProvider();
    this.enabled = provider != TracerProvider.noop();
    this.tracer = provider.get("io.millrace");
  }

  /**
   * Starts the span of {@code job}'s attempt (the invalid span without an SDK); the caller ends it.
   */
  Span start(ClaimedJob job) {
    if (!enabled) {
      return Span.getInvalid();
    }
    var builder =
        tracer
            .spanBuilder("process " + job.queue())
            .setSpanKind(SpanKind.CONSUMER)
            .setNoParent()
            .setAttribute(MESSAGING_SYSTEM, "millrace")
            .setAttribute(OPERATION_TYPE, "process")
            .setAttribute(DESTINATION, job.queue())
            .setAttribute(MESSAGE_ID, Long.toString(job.id()))
            .setAttribute(JOB_ID, job.id())
            .setAttribute(JOB_KIND, job.kind())
            .setAttribute(QUEUE, job.queue())
            .setAttribute(ATTEMPT, (long) job.attempt());
    if (job.traceparent() != null) {
      SpanContext enqueuedUnder = TraceContexts.stored(job.traceparent(), job.tracestate());
      if (enqueuedUnder.isValid()) {
        builder.addLink(enqueuedUnder);
      }
    }
    if (job.workflowMember()) {
      // One indexed read per attempt of a workflow step, only on a node that records spans.
      try {
        for (String parent : store.parentAttemptSpans(job.id())) {
          SpanContext parentSpan = TraceContexts.stored(parent, null);
          if (parentSpan.isValid()) {
            builder.addLink(parentSpan);
          }
        }
      } catch (SQLException | RuntimeException e) {
        log.debug("job {}: its parent steps' spans could not be read: {}", job.id(), e.toString());
      }
    }
    return builder.startSpan();
  }

  /** The W3C traceparent of {@code span}, kept with a completion; null for an unrecorded span. */
  static @Nullable String traceparent(Span span) {
    SpanContext context = span.getSpanContext();
    if (!context.isValid()) {
      return null;
    }
    return "00-"
        + context.getTraceId()
        + "-"
        + context.getSpanId()
        + "-"
        + context.getTraceFlags().asHex();
  }

  /** Marks the attempt failed on its span: status ERROR with the message, and the exception. */
  static void failed(Span span, String message, @Nullable Throwable thrown) {
    span.setStatus(StatusCode.ERROR, message);
    if (thrown != null) {
      span.recordException(thrown);
    }
  }
}
