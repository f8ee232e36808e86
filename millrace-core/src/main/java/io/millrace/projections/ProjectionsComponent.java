package io.millrace.projections;

import io.millrace.health.Readiness;
import io.millrace.internal.cluster.Component;
import io.millrace.internal.cluster.NodeContext;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The projections capability of one node: the event log and projection status from the moment it is
 * built; once started, a runner per projection this node defines (catching up in the background, so
 * a server binds at once); a required projection that is behind keeps this node from being ready.
 */
public final class ProjectionsComponent implements Component {
  private final Projections projections;
  private final io.millrace.internal.cluster.Notifier notifier;

  public ProjectionsComponent(NodeContext node, List<Projection> definitions) {
    this.notifier = node.notifier();
    this.projections =
        new Projections(
            node.dataSource(),
            node.schema(),
            node.nodeId(),
            definitions,
            node.lease(),
            node.pollInterval(),
            node.meters(),
            node.json());
  }

  public Projections projections() {
    return projections;
  }

  @Override
  public void start(ScheduledExecutorService timer) {
    projections.start(notifier);
  }

  /**
   * Each runner finishes its page in flight and releases its lease. This waits up to 30 s per
   * runner whatever the node's deadline: a runner left behind would hold its lease until it
   * expires, and another node would wait that long to take the projection over.
   */
  @Override
  public void stop(long deadlineNanos) {
    projections.stop();
  }

  @Override
  public List<Readiness.Check> readinessChecks() {
    return projections.readinessChecks();
  }
}
