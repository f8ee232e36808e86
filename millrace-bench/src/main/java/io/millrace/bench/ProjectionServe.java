package io.millrace.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.millrace.Millrace;
import io.millrace.base.Json;
import io.millrace.projections.Event;
import io.millrace.projections.Projection;
import io.millrace.projections.ProjectionContext;
import io.millrace.projections.ProjectionHandler;
import io.millrace.server.MillraceServer;
import java.util.List;

/**
 * The process {@link ProjectionBenchmark} starts to time {@code /health} from process start: a node
 * with the benchmark's projection (required) and the HTTP server, started in the order an
 * application would. It prints {@code PORT <n>} once listening, then runs until SIGTERM, when it
 * closes the node (which releases the projection's lease).
 *
 * <p>Arguments: JDBC URL, user, password, schema, projection version.
 */
public final class ProjectionServe {
  private ProjectionServe() {}

  public static void main(String[] args) throws Exception {
    long mainAt = System.currentTimeMillis();
    long jvmStart = java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(args[0]);
    config.setUsername(args[1]);
    config.setPassword(args[2]);
    config.setMaximumPoolSize(8);
    HikariDataSource dataSource = new HikariDataSource(config);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Millrace node =
        Millrace.builder(dataSource)
            .schema(args[3])
            .meterRegistry(registry)
            .projection(balances(args[4]))
            .build();
    Runtime.getRuntime().addShutdownHook(new Thread(node::close));
    // HTTP first: /health answers before the catch-up starts competing for the CPU, and /ready
    // says 503 (not started) until the node has caught up.
    MillraceServer server = MillraceServer.builder(node, registry).port(0).start();
    long listeningAt = System.currentTimeMillis();
    node.start();
    long startedAt = System.currentTimeMillis();
    System.out.println(
        "TIMES jvm-to-main="
            + (mainAt - jvmStart)
            + "ms main-to-listening="
            + (listeningAt - mainAt)
            + "ms node-start="
            + (startedAt - listeningAt)
            + "ms");
    System.out.println("PORT " + server.port());
    System.out.flush();
    Thread.currentThread().join();
  }

  /**
   * Per-account balance documents. The page's accounts are prefetched in one query, and the page's
   * writes go out in one batch, so a page costs three round trips whatever its size.
   */
  static Projection balances(String version) {
    return Projection.named("balances")
        .version(version)
        .required()
        .handler(
            new ProjectionHandler() {
              @Override
              public void applyPage(List<Event> page, ProjectionContext ctx) throws Exception {
                ctx.documents().prefetch(page.stream().map(Event::stream).distinct().toList());
                ProjectionHandler.super.applyPage(page, ctx);
              }

              @Override
              public void apply(Event event, ProjectionContext ctx) {
                ObjectNode account =
                    (ObjectNode)
                        ctx.documents().get(event.stream()).orElse(Json.MAPPER.createObjectNode());
                account.put(
                    "balance",
                    account.path("balance").asLong() + event.data().get("amount").asLong());
                account.put("events", account.path("events").asLong() + 1);
                ctx.documents().put(event.stream(), account);
              }
            })
        .build();
  }
}
