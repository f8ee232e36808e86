package io.millrace.internal.cluster;

import io.millrace.base.MillraceException;
import io.millrace.cluster.MaintenanceFailure;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's place in the cluster: it registers the node, heartbeats it, takes part in leader
 * election and, while it leads, runs the components' maintenance tasks (see {@link Component}); on
 * {@link #leave} it hands leadership over and deregisters. Correctness never depends on the node
 * registry (leases and the leader's advisory lock do); it is there for operators and pruning.
 */
public final class Membership {
  private static final Logger log = LoggerFactory.getLogger(Membership.class);

  private final NodeContext node;
  private final NodeRegistry registry;
  private final LeaderElector elector;
  private final MaintenanceLoop loop;

  private Membership(
      NodeContext node,
      MaintenanceLoop.NodeIdentity identity,
      List<Task> leaderTasks,
      List<Task> housekeeping,
      Duration housekeepingInterval,
      Duration nodeSilence) {
    this.node = node;
    this.registry = new NodeRegistry(node.dataSource(), node.schema());
    this.elector = new LeaderElector(node.directDataSource(), node.schema(), node.nodeId());
    List<Task> allHousekeeping = new ArrayList<>(housekeeping);
    allHousekeeping.add(new Task("prune-nodes", () -> registry.prune(nodeSilence)));
    this.loop =
        new MaintenanceLoop(
            node.nodeId(),
            identity,
            registry,
            elector,
            leaderTasks,
            allHousekeeping,
            housekeepingInterval,
            node.meters());
  }

  /**
   * Registers this node (working {@code queues}, running {@code kinds}) and prepares its loop; the
   * caller runs {@link #tick} on its timer.
   *
   * @param nodeSilence how long a node may miss heartbeats before the leader forgets it
   */
  public static Membership join(
      NodeContext node,
      List<String> queues,
      List<String> kinds,
      List<Task> leaderTasks,
      List<Task> housekeeping,
      Duration housekeepingInterval,
      Duration nodeSilence) {
    MaintenanceLoop.NodeIdentity identity =
        new MaintenanceLoop.NodeIdentity(
            hostName(), ProcessHandle.current().pid(), List.copyOf(queues), List.copyOf(kinds));
    Membership membership =
        new Membership(
            node, identity, leaderTasks, housekeeping, housekeepingInterval, nodeSilence);
    try {
      membership.registry.register(
          node.nodeId(), identity.host(), identity.pid(), identity.queues(), identity.kinds());
    } catch (SQLException e) {
      throw new MillraceException(
          "node " + node.nodeId() + " could not register: " + e.getMessage(), e);
    }
    return membership;
  }

  /** One maintenance tick: heartbeat, election, and the leader's tasks when this node leads. */
  public void tick() {
    loop.tick();
  }

  public boolean isLeader() {
    return loop.isLeader();
  }

  /** Last error of each failing maintenance task (empty when all is well, or not the leader). */
  public Map<String, MaintenanceFailure> lastFailures() {
    return loop.lastFailures();
  }

  /** Hands leadership over at once (no wait for the lock's session to time out) and deregisters. */
  public void leave() {
    elector.resign();
    try {
      registry.deregister(node.nodeId());
    } catch (SQLException e) {
      log.warn(
          "node {} could not deregister (the leader will prune it): {}",
          node.nodeId(),
          e.getMessage());
    }
  }

  private static String hostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "unknown-host";
    }
  }
}
