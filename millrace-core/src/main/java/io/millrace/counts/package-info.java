/**
 * Exact per-queue counts from denormalised counters, the trust marker that gates them, and the
 * verify and rebuild commands.
 *
 * <p>Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package io.millrace.counts;

import org.jspecify.annotations.NullMarked;
