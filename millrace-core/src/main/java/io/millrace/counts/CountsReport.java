package io.millrace.counts;

import java.util.List;

/**
 * Counts of several queues read in one snapshot.
 *
 * @param fromCounters true when the finished states came from the counters (trust marker set),
 *     false when they came from a scan of history (exact reads) or untrusted counters (fast reads)
 * @param exact true for an exact read; false for a fast read, which is a lower bound unless {@code
 *     fromCounters}
 */
public record CountsReport(List<QueueCounts> queues, boolean fromCounters, boolean exact) {}
