package io.millrace.internal.trace;

import io.millrace.base.Json;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The trace context stored with a job ({@code jobs.trace_context}): the W3C Trace Context carrier
 * of the span current when the job was enqueued, as a JSON object ({@code {"traceparent": ...,
 * "tracestate": ...}}).
 *
 * <p>Always W3C, whatever propagators the application configured: the column is Millrace's storage
 * format, read by every node of the cluster, so it must not depend on one node's settings.
 *
 * <p>Hot path: with no valid current span (no OpenTelemetry SDK, or an untraced caller), {@link
 * #current} is one thread-local read and returns null, and nothing is stored.
 */
public final class TraceContexts {
  private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();

  private static final TextMapGetter<Map<String, String>> GETTER =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
          return carrier.keySet();
        }

        @Override
        public @Nullable String get(@Nullable Map<String, String> carrier, String key) {
          return carrier == null ? null : carrier.get(key);
        }
      };

  private TraceContexts() {}

  /** The current span's context as the JSON to store, or null when no valid span is current. */
  public static @Nullable String current() {
    Context context = Context.current();
    if (!Span.fromContext(context).getSpanContext().isValid()) {
      return null;
    }
    Map<String, String> carrier = new LinkedHashMap<>(4);
    W3C.inject(context, carrier, (c, k, v) -> c.put(k, v));
    return carrier.isEmpty() ? null : Json.write(carrier);
  }

  /**
   * The span context a job was enqueued under, from its stored {@code traceparent} and {@code
   * tracestate}; {@link SpanContext#getInvalid()} when there is none or it does not parse.
   */
  public static SpanContext stored(@Nullable String traceparent, @Nullable String tracestate) {
    if (traceparent == null) {
      return SpanContext.getInvalid();
    }
    Map<String, String> carrier = new LinkedHashMap<>(4);
    carrier.put("traceparent", traceparent);
    if (tracestate != null) {
      carrier.put("tracestate", tracestate);
    }
    return Span.fromContext(W3C.extract(Context.root(), carrier, GETTER)).getSpanContext();
  }
}
