/**
 * The HTTP surface: {@code /health}, {@code /ready}, {@code /metrics}, the JSON admin API under
 * {@code /api} and the dashboard, over Millrace's public entry points.
 *
 * <p>Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package io.millrace.server;

import org.jspecify.annotations.NullMarked;
