/**
 * Backfills: online data migrations that walk a table in keyset batches, with adaptive batch size,
 * throttles, pause/resume/cancel and progress, resumable after a crash.
 *
 * <p>Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package io.millrace.backfills;

import org.jspecify.annotations.NullMarked;
