/**
 * Readiness: what blocking work (migration, projections, backfills) is still pending.
 *
 * <p>Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package io.millrace.health;

import org.jspecify.annotations.NullMarked;
