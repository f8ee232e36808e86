package io.millrace.counts;

import io.millrace.internal.cluster.Component;
import io.millrace.internal.cluster.NodeContext;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The counts capability of one node: exact and fast reads from the moment it is built; once
 * started, the queue gauges refreshed on the node's timer (a scrape never runs SQL).
 */
public final class CountsComponent implements Component {
  private static final Logger log = LoggerFactory.getLogger(CountsComponent.class);

  private final NodeContext node;
  private final Counts counts;
  private final Duration refreshInterval;

  /**
   * @param refreshInterval how often the gauges are refreshed from one exact read
   */
  public CountsComponent(NodeContext node, Duration refreshInterval) {
    this.node = node;
    this.counts = new Counts(node.dataSource(), node.schema());
    this.refreshInterval = refreshInterval;
  }

  public Counts counts() {
    return counts;
  }

  @Override
  public void start(ScheduledExecutorService timer) {
    io.millrace.jobs.JobAdmin admin =
        new io.millrace.jobs.JobAdmin(node.dataSource(), node.schema());
    CountsMetrics metrics = new CountsMetrics(counts, admin::queueLimits, node.meters());
    timer.scheduleWithFixedDelay(
        () -> {
          try {
            metrics.refresh();
          } catch (RuntimeException e) {
            log.warn("refreshing queue count gauges failed: {}", e.getMessage());
          }
        },
        0,
        refreshInterval.toMillis(),
        TimeUnit.MILLISECONDS);
  }
}
