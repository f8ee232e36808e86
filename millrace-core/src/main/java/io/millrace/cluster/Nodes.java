package io.millrace.cluster;

import io.millrace.schema.SchemaName;
import java.util.List;
import javax.sql.DataSource;

/** The nodes registered on a schema, as operators see them: read-only. */
public final class Nodes {
  private final NodeRegistry registry;

  public Nodes(DataSource dataSource, SchemaName schema) {
    this.registry = new NodeRegistry(dataSource, schema);
  }

  /** Every registered node with its queues, kinds, heartbeat and whether it leads. */
  public List<NodeInfo> list() {
    return registry.list();
  }
}
