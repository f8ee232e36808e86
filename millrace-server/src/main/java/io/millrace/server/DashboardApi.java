package io.millrace.server;

import io.javalin.config.RoutesConfig;
import io.millrace.Millrace;
import io.millrace.cluster.NodeInfo;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the dashboard needs beyond jobs and queues: the cluster with this server's clock (so
 * heartbeat ages do not depend on the browser's clock), throughput over time, what this server
 * allows, and the OpenAPI document. Read-only, like every page's data source.
 */
final class DashboardApi {
  private final Millrace millrace;
  private final ApiGuard guard;
  private final ThroughputSampler throughput;
  private final String openApi;

  DashboardApi(Millrace millrace, ApiGuard guard, ThroughputSampler throughput) {
    this.millrace = millrace;
    this.guard = guard;
    this.throughput = throughput;
    try {
      this.openApi = ApiJson.MAPPER.writeValueAsString(ApiDocs.document());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("the OpenAPI document does not serialise", e);
    }
  }

  void register(RoutesConfig routes) {
    routes.get(
        "/api/cluster",
        ctx -> {
          List<NodeInfo> nodes = ReadSource.read(ctx, millrace, v -> v.nodes().list());
          Map<String, Object> body = new LinkedHashMap<>();
          body.put("now", Instant.now());
          body.put(
              "leader",
              nodes.stream().filter(NodeInfo::leader).map(NodeInfo::id).findFirst().orElse(null));
          body.put("nodes", nodes);
          ctx.json(body);
        });
    routes.get("/api/stats/throughput", ctx -> ctx.json(throughput.series()));
    routes.get(
        "/api/server",
        ctx -> {
          Map<String, Object> body = new LinkedHashMap<>(guard.describe());
          body.put("node", millrace.nodeId());
          body.put("version", ApiDocs.VERSION);
          ctx.json(body);
        });
    routes.get("/api/openapi.json", ctx -> ctx.contentType("application/json").result(openApi));
  }
}
