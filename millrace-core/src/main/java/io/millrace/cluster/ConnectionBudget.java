package io.millrace.cluster;

/**
 * How many PostgreSQL connections one started node uses, from its settings alone; also the gauge
 * {@code millrace.connections.budget} with {@code kind} {@code pooled} and {@code direct}.
 *
 * <p>{@code direct}: the session connections the node holds open from start to close, each on a
 * thread of its own (from the direct DataSource, or from the pooled one when none is configured):
 *
 * <ul>
 *   <li>1 for leadership, on every started node, leader or not (the session that takes, or tries
 *       for, the session advisory lock at each maintenance tick);
 *   <li>1 for the node's notifier, when {@code listen} is on and the node works queues, dispatches
 *       workflows or runs projections: one LISTEN session carries new-job, cancel, workflow and
 *       new-event notifications alike.
 * </ul>
 *
 * <p>{@code pooled}: the most connections the node's own threads borrow from the pooled DataSource
 * at once. Each of these threads borrows at most one connection at a time and returns it when its
 * transaction ends:
 *
 * <ul>
 *   <li>1 for the maintenance thread (node heartbeat, leader tasks, queue gauges);
 *   <li>1 for the leader's vacuum of the jobs table when {@code vacuumHotTable} is on (on every
 *       node, since any may lead; borrowed only on the leader, during a pass);
 *   <li>when the node works queues: the sum of their concurrencies (a handler thread records its
 *       own failure, retry or snooze), plus 1 claim loop per queue, plus 3 (the completion writer,
 *       the lease heartbeat, the timeout recorder);
 *   <li>4 workflow dispatch threads when workflow dispatch ({@code WorkflowOptions.dispatch}, the
 *       default) and {@code listen} are on;
 *   <li>when the node runs backfills: 1 for the loop that acquires them, plus 2 per backfill (its
 *       run's registry writes and its target connection, counted here as if the target were the
 *       same pool);
 *   <li>1 per projection runner.
 * </ul>
 *
 * <p>Not counted: the application's own threads calling Millrace (enqueue, admin reads, a server's
 * requests), each borrowing one connection per call, and what handlers borrow themselves.
 *
 * @param pooled the most pooled connections the node's own threads hold at once
 * @param direct the session connections the node holds from start to close
 */
public record ConnectionBudget(int pooled, int direct) {

  /** Pooled plus direct: the node's share of PostgreSQL's (or the pooler's) connections. */
  public int total() {
    return pooled + direct;
  }
}
