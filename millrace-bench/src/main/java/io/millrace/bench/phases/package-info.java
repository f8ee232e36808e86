/**
 * The phase driver: runs any adapter speaking the benchmark JSONL protocol as a child process
 * through timed phases (warm-up, clean, a transaction held idle, recovery) and summarises each.
 *
 * <p>Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package io.millrace.bench.phases;

import org.jspecify.annotations.NullMarked;
