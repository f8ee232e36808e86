/**
 * Soak runs: one node under sustained load, measuring its heap, and its rate while an idle
 * transaction holds back vacuum.
 *
 * <p>Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package io.millrace.bench.soak;

import org.jspecify.annotations.NullMarked;
