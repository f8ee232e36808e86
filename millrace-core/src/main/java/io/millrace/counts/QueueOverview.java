package io.millrace.counts;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Every queue with its counts and whether it is paused: what {@code millrace queues}, the admin API
 * and the dashboard show.
 *
 * @param fromCounters whether the finished states came from the counters (see {@link CountsReport})
 * @param exact whether this was an exact read or a fast one
 */
public record QueueOverview(List<Queue> queues, boolean fromCounters, boolean exact) {
  /** One queue. */
  public record Queue(String name, boolean paused, QueueCounts counts) {}

  /** {@link Accuracy#EXACT} or {@link Accuracy#ESTIMATE} (a fast read of untrusted counters). */
  @JsonProperty("accuracy")
  public String accuracy() {
    return Accuracy.of(fromCounters, exact);
  }

  /** Where the finished states came from and what to do, in one line. */
  @JsonProperty("note")
  public String note() {
    return Accuracy.note(fromCounters, exact);
  }
}
