/**
 * Projections: the event store and the read models built from it, checkpointed with their state.
 *
 * <p>Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package io.millrace.projections;

import org.jspecify.annotations.NullMarked;
