package io.millrace.counts;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Counts of several queues read in one snapshot.
 *
 * @param fromCounters true when the finished states came from the counters (trust marker set),
 *     false when they came from a scan of history (exact reads) or untrusted counters (fast reads)
 * @param exact true for an exact read; false for a fast read, which is an estimate unless {@code
 *     fromCounters}
 */
public record CountsReport(List<QueueCounts> queues, boolean fromCounters, boolean exact) {
  /** How far the finished states can be believed; unfinished states are always read live. */
  @JsonProperty("accuracy")
  public String accuracy() {
    return Accuracy.of(fromCounters, exact);
  }

  /** One line for operators that says where the finished states came from and what to do. */
  @JsonProperty("note")
  public String note() {
    return Accuracy.note(fromCounters, exact);
  }
}
