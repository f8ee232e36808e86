/**
 * Jobs: enqueue, claim, complete, retry, cancel, schedules and cron, fenced by the attempt's lease.
 *
 * <p>Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package io.millrace.jobs;

import org.jspecify.annotations.NullMarked;
