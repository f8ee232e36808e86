/**
 * Benchmarks (not tests): throughput and latency of Millrace on a real PostgreSQL; each carries the
 * command that runs it.
 *
 * <p>Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package io.millrace.bench;

import org.jspecify.annotations.NullMarked;
