package io.millrace.spring;

import io.millrace.base.TypeRef;
import io.millrace.jobs.JobContext;
import io.millrace.jobs.JobHandler;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A {@link JobHandler} bean that carries its kind: every bean of this type in the context is
 * registered with the Millrace node, so a handler is written once, as a bean, with its dependencies
 * injected.
 *
 * <p>An interface rather than an annotation on a method: the kind, the args type and the handler
 * are checked by the compiler and read without reflection, a handler can be a class ({@code
 * implements MillraceHandler<EmailArgs>}) or a {@code @Bean} method returning {@link #of}, and a
 * proxied bean (say, {@code @Transactional} on {@code handle}) still registers through the
 * interface.
 *
 * @param <A> the type the job's JSON args are read into, by the application's own mapper
 */
public interface MillraceHandler<A> extends JobHandler<A> {
  /** The job kind this handler runs; unique among the context's handlers. */
  String kind();

  /**
   * What the job's JSON args are read into by the node's codec (the application's mapper): a {@code
   * Class} ({@code JsonNode} for raw JSON), or a generic type ({@link TypeRef#type()}).
   */
  Type argsType();

  /**
   * How long one attempt may run before it is interrupted and recorded as failed; empty (the
   * default) for no deadline. A job's own timeout wins.
   */
  default Optional<Duration> timeout() {
    return Optional.empty();
  }

  /** A handler bean from a lambda: {@code @Bean MillraceHandler<A> x() { return of(...); }}. */
  static <A> MillraceHandler<A> of(String kind, Class<A> argsType, JobHandler<A> handler) {
    return new Registered<>(kind, argsType, handler, null);
  }

  /** As {@link #of(String, Class, JobHandler)}, with a deadline per attempt. */
  static <A> MillraceHandler<A> of(
      String kind, Class<A> argsType, JobHandler<A> handler, Duration timeout) {
    return new Registered<>(kind, argsType, handler, Objects.requireNonNull(timeout, "timeout"));
  }

  /**
   * A handler bean whose args are of a generic type: {@code of("orders.lines", new
   * TypeRef<List<Line>>() {}, job -> ...)}.
   */
  static <A> MillraceHandler<A> of(String kind, TypeRef<A> argsType, JobHandler<A> handler) {
    return new Registered<>(
        kind, Objects.requireNonNull(argsType, "argsType").type(), handler, null);
  }

  /** As {@link #of(String, TypeRef, JobHandler)}, with a deadline per attempt. */
  static <A> MillraceHandler<A> of(
      String kind, TypeRef<A> argsType, JobHandler<A> handler, Duration timeout) {
    return new Registered<>(
        kind,
        Objects.requireNonNull(argsType, "argsType").type(),
        handler,
        Objects.requireNonNull(timeout, "timeout"));
  }

  /** The value {@link #of} returns. */
  record Registered<A>(
      String kind, Type argsType, JobHandler<A> handler, @Nullable Duration deadline)
      implements MillraceHandler<A> {
    public Registered {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(argsType, "argsType");
      Objects.requireNonNull(handler, "handler");
    }

    @Override
    public Optional<Duration> timeout() {
      return Optional.ofNullable(deadline);
    }

    @Override
    public @Nullable Object handle(JobContext<A> job) throws Exception {
      return handler.handle(job);
    }
  }
}
