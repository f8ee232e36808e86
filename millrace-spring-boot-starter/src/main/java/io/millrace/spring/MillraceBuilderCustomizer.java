package io.millrace.spring;

import io.millrace.MillraceBuilder;

/**
 * Adjusts the builder after the {@code millrace.*} properties and the handler, periodic-job,
 * projection and backfill beans are applied, for what properties cannot say (a {@code Backoff}
 * computed in code, say). Beans of this type run in their {@code @Order}.
 */
@FunctionalInterface
public interface MillraceBuilderCustomizer {
  void customize(MillraceBuilder builder);
}
