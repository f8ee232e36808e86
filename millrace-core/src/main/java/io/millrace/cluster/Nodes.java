package io.millrace.cluster;

import java.util.List;

/** The nodes registered on a schema, as operators see them: read-only. */
public interface Nodes {
  /** Every registered node with its queues, kinds, heartbeat and whether it leads. */
  List<NodeInfo> list();
}
