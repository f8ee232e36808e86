/**
 * Millrace behind the JSONL protocol of cross-system PostgreSQL queue benchmarks: produces jobs,
 * works them on one node and reports telemetry.
 *
 * <p>Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package io.millrace.bench.adapter;

import org.jspecify.annotations.NullMarked;
