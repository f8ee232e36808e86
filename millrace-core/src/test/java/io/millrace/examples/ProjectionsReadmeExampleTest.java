package io.millrace.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.base.Json;
import io.millrace.projections.NewEvent;
import io.millrace.projections.Projection;
import io.millrace.projections.QueryStatus;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's projections example, run as written (DocsTest checks the text is here; the guarded
 * route is the server's concern).
 */
class ProjectionsReadmeExampleTest {
  record ItemAdded(String sku, long amount) {}

  @Test
  void readmeExample() throws Exception {
    // A database of its own, so the example's builder runs with the default schema and timings.
    try (HikariDataSource dataSource =
        TestDatabase.pool(TestDatabase.otherDatabaseUrl("readme_projections"), 10)) {
      try (Millrace migrator = Millrace.builder(dataSource).build()) {
        migrator.migrate();
      }
      Projection carts =
          Projection.named("carts")
              .version("3") // the fingerprint: bump it when the handler's output changes
              .required() // /ready waits for it on nodes that run it
              .blueGreen() // optional: a new version builds beside the serving one
              .handler(
                  (event, ctx) -> { // runs in the page's transaction, with the checkpoint
                    ObjectNode cart =
                        (ObjectNode)
                            ctx.documents()
                                .get(event.stream())
                                .orElse(Json.MAPPER.createObjectNode());
                    cart.put(
                        "total", cart.path("total").asLong() + event.data().get("amount").asLong());
                    ctx.documents().put(event.stream(), cart);
                  })
              .build();
      Millrace millrace = Millrace.builder(dataSource).projection(carts).build();
      try {
        millrace.start(); // returns at once; the catch-up runs behind
        long expectedVersion = 0;
        try (Connection connection = dataSource.getConnection()) {
          connection.setAutoCommit(false);
          millrace
              .events()
              .append(
                  connection,
                  "cart-42",
                  expectedVersion, // in your transaction, or without
                  List.of(
                      NewEvent.of(
                          "item.added",
                          new ItemAdded("sku-1", 3)))); // `connection` in one of its own
          connection.commit();
        }
        Await.until(
            "the cart is projected",
            () ->
                millrace.projections().queryStatus("carts") == QueryStatus.READY
                    && millrace.projections().document("carts", "cart-42").isPresent());
        assertThat(
                millrace
                    .projections()
                    .document("carts", "cart-42")
                    .orElseThrow()
                    .get("total")
                    .asLong())
            .isEqualTo(3);
        assertThat(millrace.readiness().report().ready()).isTrue();
      } finally {
        millrace.close();
      }
    }
  }
}
