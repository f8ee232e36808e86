package io.millrace.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.millrace.Millrace;
import io.millrace.projections.NewEvent;
import io.millrace.projections.Projection;
import io.millrace.projections.QueryStatus;
import io.millrace.sql.Json;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The README's projections example, run as written (the guarded route is the server's concern). */
class ProjectionsReadmeExampleTest {
  record ItemAdded(String sku, long amount) {}

  @Test
  void readmeExample() throws Exception {
    try (TestDatabase db = TestDatabase.create("readme_projections")) {
      DataSource dataSource = db.dataSource();
      db.migratedClient().close();

      Projection carts =
          Projection.named("carts")
              .version("3")
              .required()
              .blueGreen()
              .handler(
                  (event, ctx) -> {
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
      Millrace millrace =
          Millrace.builder(dataSource).schema(db.schema()).projection(carts).build();
      try {
        millrace.start();
        long expectedVersion = 0;
        try (Connection connection = dataSource.getConnection()) {
          connection.setAutoCommit(false);
          millrace
              .events()
              .append(
                  connection,
                  "cart-42",
                  expectedVersion,
                  List.of(NewEvent.of("item.added", new ItemAdded("sku-1", 3))));
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
