/**
 * Millrace for Spring Boot: auto-configuration, {@code millrace.*} properties, handler and cron
 * beans, {@link io.millrace.spring.MillraceTemplate} for enqueues that join Spring's transaction,
 * health and readiness.
 *
 * <p>Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable}; a
 * property left unset is null and keeps the builder's default.
 */
@NullMarked
package io.millrace.spring;

import org.jspecify.annotations.NullMarked;
