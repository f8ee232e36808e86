package io.millrace.counts;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.millrace.jobs.QueueLimits;
import java.util.List;

/**
 * Every queue with its counts, whether it is paused and its limits: what {@code millrace queues},
 * the admin API and the dashboard show.
 *
 * @param fromCounters whether the finished states came from the counters (see {@link CountsReport})
 * @param exact whether this was an exact read or a fast one
 */
public record QueueOverview(List<Queue> queues, boolean fromCounters, boolean exact) {
  /** One queue, with its flow control ({@link QueueLimits#NONE} when it has none). */
  public record Queue(String name, boolean paused, QueueCounts counts, QueueLimits limits) {
    /** A queue with no limits. */
    public Queue(String name, boolean paused, QueueCounts counts) {
      this(name, paused, counts, QueueLimits.NONE);
    }
  }

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
