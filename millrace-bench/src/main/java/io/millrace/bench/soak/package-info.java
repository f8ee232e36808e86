/**
 * Soak runs: one node under sustained load, measuring its heap, and its rate while an idle
 * transaction holds back vacuum; and many node processes through PgBouncer with nodes and leaders
 * killed along the way, verifying exactly-once invariants at the end ({@link ClusterSoak}).
 *
 * <p>Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package io.millrace.bench.soak;

import org.jspecify.annotations.NullMarked;
