package io.millrace.internal.cluster;

import io.millrace.base.MillraceException;
import io.millrace.cluster.NodeInfo;
import io.millrace.cluster.Nodes;
import io.millrace.internal.sql.Instants;
import io.millrace.internal.sql.SqlFile;
import io.millrace.schema.SchemaName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.sql.DataSource;

/**
 * Nodes announce themselves (id, host, pid, queues, kinds) and heartbeat. The registry is for
 * operators and for pruning; correctness never depends on it (leases and the advisory lock do).
 */
public final class NodeRegistry implements Nodes {
  private final DataSource dataSource;
  private final SqlFile sql;

  public NodeRegistry(DataSource dataSource, SchemaName schema) {
    this.dataSource = dataSource;
    this.sql = SqlFile.load(NodeRegistry.class, "cluster.sql", schema);
  }

  void register(
      String id, String host, long pid, Collection<String> queues, Collection<String> kinds)
      throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("register_node"))) {
      ps.setString(1, id);
      ps.setString(2, host);
      ps.setLong(3, pid);
      ps.setArray(4, c.createArrayOf("text", queues.toArray()));
      ps.setArray(5, c.createArrayOf("text", kinds.toArray()));
      ps.executeUpdate();
    }
  }

  /** Returns false when the row is gone (pruned while this node was unreachable). */
  boolean heartbeat(String id) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("heartbeat_node"))) {
      ps.setString(1, id);
      return ps.executeUpdate() == 1;
    }
  }

  void deregister(String id) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("deregister_node"))) {
      ps.setString(1, id);
      ps.executeUpdate();
    }
  }

  /** Leader task: forgets nodes silent for longer than {@code silence}. */
  int prune(Duration silence) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("prune_nodes"))) {
      ps.setLong(1, silence.toMillis());
      int n = 0;
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          n++;
        }
      }
      return n;
    }
  }

  @Override
  public List<NodeInfo> list() {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("list_nodes"));
        ResultSet rs = ps.executeQuery()) {
      List<NodeInfo> nodes = new ArrayList<>();
      while (rs.next()) {
        nodes.add(
            new NodeInfo(
                rs.getString(1),
                rs.getString(2),
                rs.getLong(3),
                List.of((String[]) rs.getArray(4).getArray()),
                List.of((String[]) rs.getArray(5).getArray()),
                Instants.require(rs, 6),
                Instants.require(rs, 7),
                rs.getBoolean(8)));
      }
      return nodes;
    } catch (SQLException e) {
      throw new MillraceException("could not list nodes", e);
    }
  }
}
