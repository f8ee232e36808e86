package io.millrace.backfills;

import io.millrace.health.Readiness;
import io.millrace.internal.cluster.Component;
import io.millrace.internal.cluster.NodeContext;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;

/**
 * The backfills capability of one node: status and operator control from the moment it is built;
 * once started (when this node defines backfills), the worker that runs them batch by batch; while
 * a blocking backfill is unfinished, this node is not ready.
 */
public final class BackfillsComponent implements Component {
  private final NodeContext node;
  private final List<Backfill> definitions;
  private final Backfills backfills;
  // Null until start(), and stays null on a node with nothing for it to run.
  private volatile @Nullable BackfillWorker worker;

  public BackfillsComponent(NodeContext node, List<Backfill> definitions) {
    this.node = node;
    this.definitions = List.copyOf(definitions);
    this.backfills = new Backfills(node.dataSource(), node.schema(), this.definitions);
  }

  public Backfills backfills() {
    return backfills;
  }

  @Override
  public void start(ScheduledExecutorService timer) {
    if (definitions.isEmpty()) {
      return;
    }
    BackfillWorker started =
        new BackfillWorker(
            node.dataSource(),
            node.schema(),
            node.nodeId(),
            definitions,
            node.lease(),
            node.pollInterval(),
            node.meters());
    started.start();
    worker = started;
  }

  @Override
  public void stop(long deadlineNanos) {
    BackfillWorker w = worker;
    if (w != null) {
      w.stop(Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime())));
    }
  }

  @Override
  public List<Readiness.Check> readinessChecks() {
    return definitions.stream().anyMatch(Backfill::blocking)
        ? List.of(backfills.readinessCheck())
        : List.of();
  }
}
