package io.millrace.cli;

import io.millrace.cluster.NodeInfo;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code millrace cluster}: the nodes, the leader and heartbeat ages, as the dashboard's cluster
 * page.
 */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    description = "Show the nodes, the leader and their heartbeats.")
final class ClusterCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Spec CommandSpec spec;

  @Option(
      names = "--json",
      description = "Print JSON (as GET /api/cluster) instead of a table. Default: false.")
  boolean json;

  @Override
  public Integer call() {
    try (Session session = Session.open(connection)) {
      List<NodeInfo> nodes = session.millrace().nodes().list();
      Instant now = Instant.now();
      String leader =
          nodes.stream().filter(NodeInfo::leader).map(NodeInfo::id).findFirst().orElse(null);
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("now", now);
        body.put("leader", leader);
        body.put("nodes", nodes);
        Output.json(out, body);
        return 0;
      }
      List<List<String>> rows = new ArrayList<>();
      for (NodeInfo n : nodes) {
        rows.add(
            List.of(
                n.id(),
                n.leader() ? "leader" : "follower",
                n.host(),
                Long.toString(n.pid()),
                String.join(",", n.queues()),
                n.startedAt().toString(),
                Duration.between(n.heartbeatAt(), now).toMillis() + " ms ago"));
      }
      Output.table(
          out, List.of("NODE", "ROLE", "HOST", "PID", "QUEUES", "STARTED", "HEARTBEAT"), rows);
      if (leader == null) {
        out.println("note: no leader right now; one is elected within a maintenance interval");
        out.flush();
      }
      return 0;
    }
  }
}
