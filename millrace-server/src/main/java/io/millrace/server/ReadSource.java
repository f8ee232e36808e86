package io.millrace.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.millrace.Millrace;
import io.millrace.ReplicaReads;
import java.util.List;
import java.util.function.Function;

/**
 * The read routes' answers come from {@link Millrace#reads()}: the read replica when one is
 * configured and close enough, else the primary. Each such answer carries the header {@value
 * #HEADER}, e.g. {@code replica; lag-ms=12}, {@code primary} (no replica configured) or {@code
 * primary; fallback=lag; lag-ms=7300} (see {@link ReplicaReads.Freshness#header()}).
 */
final class ReadSource {
  static final String HEADER = "Millrace-Read-Source";

  /** The GET routes whose answers carry the header (documented so in the OpenAPI document). */
  static final List<String> ROUTES =
      List.of(
          "/api/jobs",
          "/api/jobs/{id}",
          "/api/queues",
          "/api/nodes",
          "/api/cluster",
          "/api/workflows",
          "/api/workflows/{id}",
          "/api/backfills",
          "/api/backfills/{name}");

  private ReadSource() {}

  /** Runs {@code query} through the node's reads and sets the header on {@code ctx}. */
  static <T> T read(Context ctx, Millrace millrace, Function<ReplicaReads.View, T> query) {
    ReplicaReads.Answer<T> answer = millrace.reads().read(query);
    ctx.header(HEADER, answer.freshness().header());
    return answer.value();
  }

  /** Documents the header on the 200 answer of every route in {@link #ROUTES}. */
  static void describe(OpenApi api) {
    ObjectNode paths = (ObjectNode) api.document().get("paths");
    for (String route : ROUTES) {
      if (!(paths.path(route).path("get").path("responses").path("200") instanceof ObjectNode ok)) {
        throw new IllegalStateException("no documented 200 answer for GET " + route);
      }
      ObjectNode headers =
          ok.has("headers") ? (ObjectNode) ok.get("headers") : ok.putObject("headers");
      ObjectNode header = headers.putObject(HEADER);
      header.put(
          "description",
          "Where this answer was read and how stale it may be: 'primary' (no read replica"
              + " configured), 'replica; lag-ms=N' (the replica, N ms behind the primary at its"
              + " last lag measurement, an upper bound), or 'primary; fallback=REASON[; lag-ms=N]'"
              + " with REASON one of lag (beyond the node's maxReplicaLag), unreachable, error,"
              + " not-standby, unmeasured.");
      header.set("schema", OpenApi.string(null));
    }
  }
}
