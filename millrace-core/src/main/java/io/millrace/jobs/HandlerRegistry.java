package io.millrace.jobs;

import io.millrace.base.ValidationException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** The handlers this node runs, by kind; fixed once the node is built. */
final class HandlerRegistry {
  private final Map<String, HandlerBinding<?>> byKind = new LinkedHashMap<>();

  HandlerRegistry(List<HandlerBinding<?>> bindings) {
    for (HandlerBinding<?> binding : bindings) {
      if (byKind.putIfAbsent(binding.kind(), binding) != null) {
        throw new ValidationException(
            "kind", "a handler for '" + binding.kind() + "' is already registered");
      }
    }
  }

  @Nullable HandlerBinding<?> get(String kind) {
    return byKind.get(kind);
  }

  Set<String> kinds() {
    return Set.copyOf(byKind.keySet());
  }

  boolean isEmpty() {
    return byKind.isEmpty();
  }
}
