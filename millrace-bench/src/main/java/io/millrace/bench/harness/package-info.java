/**
 * The side-by-side harness: runs Millrace and other queues on the same PostgreSQL and workload.
 *
 * <p>Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package io.millrace.bench.harness;

import org.jspecify.annotations.NullMarked;
