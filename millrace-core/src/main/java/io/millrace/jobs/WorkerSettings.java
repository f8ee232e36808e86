package io.millrace.jobs;

import java.time.Duration;
import java.util.Map;

/**
 * How a node works its queues. Built by {@code Millrace.Builder}, which documents each default.
 *
 * @param nodeId this node's id, recorded as {@code attempted_by} on every claim
 * @param queues queue name to the number of handlers that may run at once on this node
 * @param lease how long a claim stays valid without a heartbeat; a dead node's jobs are rescued
 *     this long after its last heartbeat
 * @param heartbeat how often held leases are extended (well under {@code lease})
 * @param pollInterval how often an idle queue looks for work when no notification arrives
 * @param fetchBatch the most jobs one claim statement takes
 * @param prefetch how many jobs per queue may wait claimed in memory for a free handler; {@link
 *     #PREFETCH_CONCURRENCY} for the larger of the queue's concurrency and {@code fetchBatch}
 * @param completionBatch the most completions one statement writes
 * @param completionLinger how long a completion may wait for others to share its statement
 * @param listen whether to LISTEN for new-job notifications (off behind PgBouncer in transaction
 *     mode; polling alone still works)
 */
public record WorkerSettings(
    String nodeId,
    Map<String, Integer> queues,
    Duration lease,
    Duration heartbeat,
    Duration pollInterval,
    int fetchBatch,
    int prefetch,
    int completionBatch,
    Duration completionLinger,
    boolean listen) {
  /**
   * The prefetch value that means "the larger of the queue's concurrency and {@code fetchBatch}".
   */
  public static final int PREFETCH_CONCURRENCY = -1;

  public WorkerSettings {
    queues = Map.copyOf(queues);
  }

  /** The prefetch of a queue with this concurrency. */
  int prefetchFor(int concurrency) {
    return prefetch == PREFETCH_CONCURRENCY ? Math.max(concurrency, fetchBatch) : prefetch;
  }
}
