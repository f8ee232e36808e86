package io.millrace.jobs;

import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import java.lang.reflect.Type;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A handler and the kind it runs: what {@code MillraceBuilder.handler} records.
 *
 * @param argsType the type a job's JSON args are read into by the node's {@code JsonCodec}: a
 *     {@code Class}, or a generic type from a {@code TypeRef}
 * @param timeout how long one attempt may run, or null for no limit; a job's own timeout wins
 */
public record HandlerBinding<A>(
    String kind, Type argsType, JobHandler<A> handler, @Nullable Duration timeout) {
  public HandlerBinding {
    JobRequest.requireName("kind", kind);
    if (argsType == null || handler == null) {
      throw new ValidationException(
          "handler", "kind " + kind + " needs an args type and a handler");
    }
    if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
      throw new ValidationException("timeout", "must be positive for kind " + kind);
    }
    Storable.duration("timeout", timeout);
  }
}
