package io.millrace.jobs;

import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The handlers this node runs, by kind. Filled by the builder, read-only once the engine starts.
 */
public final class HandlerRegistry {
  /**
   * One registration.
   *
   * @param timeout how long one attempt may run, or null for no limit; a job's own timeout wins
   */
  public record Registration<A>(
      String kind, Class<A> argsType, JobHandler<A> handler, @Nullable Duration timeout) {}

  private final Map<String, Registration<?>> byKind = new LinkedHashMap<>();

  public <A> void register(
      String kind, Class<A> argsType, JobHandler<A> handler, @Nullable Duration timeout) {
    JobRequest.requireName("kind", kind);
    if (argsType == null || handler == null) {
      throw new ValidationException(
          "handler", "kind " + kind + " needs an args type and a handler");
    }
    if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
      throw new ValidationException("timeout", "must be positive for kind " + kind);
    }
    Storable.duration("timeout", timeout);
    if (byKind.putIfAbsent(kind, new Registration<>(kind, argsType, handler, timeout)) != null) {
      throw new ValidationException("kind", "a handler for '" + kind + "' is already registered");
    }
  }

  public @Nullable Registration<?> get(String kind) {
    return byKind.get(kind);
  }

  public Set<String> kinds() {
    return Set.copyOf(byKind.keySet());
  }

  public boolean isEmpty() {
    return byKind.isEmpty();
  }
}
