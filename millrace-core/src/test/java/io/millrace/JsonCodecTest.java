package io.millrace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.millrace.base.Jackson2Codec;
import io.millrace.base.Jackson3Codec;
import io.millrace.base.JsonCodec;
import io.millrace.base.TypeRef;
import io.millrace.base.ValidationException;
import io.millrace.jobs.Job;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.JobState;
import io.millrace.projections.Event;
import io.millrace.projections.NewEvent;
import io.millrace.projections.Projection;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import io.millrace.workflows.SubmittedWorkflow;
import io.millrace.workflows.WorkflowRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.junit.jupiter.api.Test;

/**
 * The node's codec, not a mapper of Millrace's own, writes and reads the application's values. Each
 * codec here is configured unlike Millrace's default — snake_case names and a module that writes
 * {@link Money} as one string, {@code "12.34 EUR"} — so what PostgreSQL holds and what handlers and
 * projections receive shows which mapper did the work: for job args (given as objects, in a
 * workflow too, and as a generic {@code List<LineItem>}), handler results, event data and metadata,
 * {@code Event.dataAs} and projection documents. Once over Jackson 2 and once over Jackson 3.
 */
class JsonCodecTest {
  record Money(long cents, String currency) {}

  record ShipOrder(String orderId, Money total) {}

  record Shipped(String trackingCode, Money charged) {}

  record LineItem(String sku, int unitCount) {}

  record OrderPlaced(String orderId, Money total) {}

  record OrderSummary(String orderId, Money total, int events) {}

  @Test
  void jackson2MapperOfTheApplication() {
    exercise("codec2", Jackson2Codec.of(Mappers.jackson2()));
  }

  @Test
  void jackson3MapperOfTheApplication() {
    exercise("codec3", Jackson3Codec.of(Mappers.jackson3()));
  }

  private static void exercise(String prefix, JsonCodec codec) {
    ConcurrentMap<String, Object> received = new ConcurrentHashMap<>();
    Projection orders =
        Projection.named("orders")
            .version("1")
            .handler(
                (event, ctx) -> {
                  OrderPlaced placed = event.dataAs(OrderPlaced.class);
                  int seen =
                      ctx.documents()
                          .get(placed.orderId(), OrderSummary.class)
                          .map(OrderSummary::events)
                          .orElse(0);
                  ctx.documents()
                      .put(
                          placed.orderId(),
                          new OrderSummary(placed.orderId(), placed.total(), seen + 1));
                  received.put(
                      "document",
                      ctx.documents().get(placed.orderId(), OrderSummary.class).orElseThrow());
                })
            .build();
    try (TestDatabase db = TestDatabase.create(prefix);
        Millrace node =
            db.builder()
                .jsonCodec(codec)
                .queue("default", 2)
                .handler(
                    "order.ship",
                    ShipOrder.class,
                    job -> {
                      received.put("ship:" + job.id(), job.args());
                      return new Shipped("T-" + job.args().orderId(), job.args().total());
                    })
                .handler(
                    "order.lines",
                    new TypeRef<List<LineItem>>() {},
                    job -> {
                      received.put("lines", job.args());
                      return Map.of("line_count", job.args().size());
                    })
                .handler(
                    "order.raw",
                    JsonNode.class,
                    job ->
                        ((com.fasterxml.jackson.databind.node.ObjectNode) job.args())
                            .put("seen", true))
                .projection(orders)
                .build()) {
      node.migrate();
      node.start();
      assertThat(node.jsonCodec()).isSameAs(codec);
      Money total = new Money(1234, "EUR");

      // Args and results of a job.
      long ship = node.enqueue(JobRequest.of("order.ship", new ShipOrder("o-1", total))).id();
      Job shipped = finished(node, ship);
      assertThat(shipped.args()).isEqualTo(tree("{\"order_id\":\"o-1\",\"total\":\"12.34 EUR\"}"));
      assertThat(received.get("ship:" + ship)).isEqualTo(new ShipOrder("o-1", total));
      assertThat(shipped.result())
          .isEqualTo(tree("{\"tracking_code\":\"T-o-1\",\"charged\":\"12.34 EUR\"}"));
      // The stored result reads back into the application's type with the node's codec.
      assertThat(node.jsonCodec().read(shipped.result().toString(), Shipped.class))
          .isEqualTo(new Shipped("T-o-1", total));

      // Generic args: a List<LineItem> arrives as LineItems, not maps.
      List<LineItem> lines = List.of(new LineItem("a", 2), new LineItem("b", 1));
      long linesJob = node.enqueue(JobRequest.of("order.lines", lines)).id();
      Job linesDone = finished(node, linesJob);
      assertThat(linesDone.args())
          .isEqualTo(tree("[{\"sku\":\"a\",\"unit_count\":2},{\"sku\":\"b\",\"unit_count\":1}]"));
      assertThat(received.get("lines")).isEqualTo(lines);
      assertThat(((List<?>) received.get("lines")).get(0)).isInstanceOf(LineItem.class);

      // Millrace's own trees pass through whatever the codec: args read as JsonNode, a JsonNode
      // result, and a JsonNode given as args.
      long raw =
          node.enqueue(
                  JobRequest.of(
                      "order.raw", io.millrace.base.Json.MAPPER.createObjectNode().put("a", 1)))
              .id();
      assertThat(finished(node, raw).result()).isEqualTo(tree("{\"a\":1,\"seen\":true}"));

      // A workflow step's args.
      SubmittedWorkflow flow =
          node.workflows()
              .submit(
                  WorkflowRequest.named("ship")
                      .step("ship", JobRequest.of("order.ship", new ShipOrder("o-2", total))));
      Job step = finished(node, flow.jobId("ship"));
      assertThat(step.args().get("order_id").asText()).isEqualTo("o-2");
      assertThat(step.result().get("tracking_code").asText()).isEqualTo("T-o-2");

      // Events: data and metadata written by the codec, read back by Event.dataAs and a projection.
      node.events()
          .append(
              "order-o-1",
              0,
              List.of(
                  NewEvent.of("order.placed", new OrderPlaced("o-1", total))
                      .withMetadata(Map.of("placed_by", new LineItem("clerk", 1)))));
      Event stored = node.events().readStream("order-o-1", 1, 10).get(0);
      assertThat(stored.data()).isEqualTo(tree("{\"order_id\":\"o-1\",\"total\":\"12.34 EUR\"}"));
      assertThat(stored.metadata().get("placed_by").get("unit_count").asInt()).isEqualTo(1);
      assertThat(stored.dataAs(OrderPlaced.class)).isEqualTo(new OrderPlaced("o-1", total));
      assertThat(stored.dataAs(new TypeRef<Map<String, Object>>() {}))
          .containsEntry("total", "12.34 EUR");
      Await.until(
          "the order is projected",
          Duration.ofSeconds(30),
          () -> node.projections().document("orders", "o-1").isPresent());
      JsonNode document = node.projections().document("orders", "o-1").orElseThrow();
      assertThat(document)
          .isEqualTo(tree("{\"order_id\":\"o-1\",\"total\":\"12.34 EUR\",\"events\":1}"));
      assertThat(received.get("document")).isEqualTo(new OrderSummary("o-1", total, 1));

      // What the codec writes is still checked before SQL: U+0000 is refused, nothing is written.
      long before = db.count("FROM {schema}.jobs");
      assertThatThrownBy(
              () -> node.enqueue(JobRequest.of("order.ship", new ShipOrder("o\u0000", total))))
          .isInstanceOfSatisfying(
              ValidationException.class,
              e -> {
                assertThat(e.field()).isEqualTo("args");
                assertThat(e.getMessage()).contains("args.order_id").contains("U+0000");
              });
      assertThatThrownBy(
              () ->
                  node.events()
                      .append(
                          "order-o-3",
                          0,
                          List.of(NewEvent.of("order.placed", new OrderPlaced("o\u0000", total)))))
          .isInstanceOfSatisfying(
              ValidationException.class, e -> assertThat(e.field()).isEqualTo("data"));
      assertThat(db.count("FROM {schema}.jobs")).isEqualTo(before);
      assertThat(node.events().readStream("order-o-3", 1, 10)).isEmpty();
    }
  }

  /** JSON as Millrace reads it back (jsonb keeps no key order). */
  private static JsonNode tree(String json) {
    return io.millrace.base.Json.tree(json);
  }

  private static Job finished(Millrace node, long id) {
    Await.until(
        "job " + id + " finishes",
        Duration.ofSeconds(30),
        () -> node.admin().get(id).map(j -> j.state() == JobState.COMPLETED).orElse(false));
    return node.admin().get(id).orElseThrow();
  }

  /** The two mappers, configured alike and unlike Millrace's default. */
  static final class Mappers {
    static ObjectMapper jackson2() {
      com.fasterxml.jackson.databind.module.SimpleModule money =
          new com.fasterxml.jackson.databind.module.SimpleModule("money");
      money.addSerializer(
          Money.class,
          new com.fasterxml.jackson.databind.JsonSerializer<Money>() {
            @Override
            public void serialize(
                Money value,
                com.fasterxml.jackson.core.JsonGenerator gen,
                com.fasterxml.jackson.databind.SerializerProvider provider)
                throws java.io.IOException {
              gen.writeString(text(value));
            }
          });
      money.addDeserializer(
          Money.class,
          new com.fasterxml.jackson.databind.JsonDeserializer<Money>() {
            @Override
            public Money deserialize(
                com.fasterxml.jackson.core.JsonParser p,
                com.fasterxml.jackson.databind.DeserializationContext ctxt)
                throws java.io.IOException {
              return money(p.getValueAsString());
            }
          });
      return new ObjectMapper()
          .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .registerModule(money);
    }

    static tools.jackson.databind.ObjectMapper jackson3() {
      tools.jackson.databind.module.SimpleModule money =
          new tools.jackson.databind.module.SimpleModule("money");
      money.addSerializer(
          Money.class,
          new tools.jackson.databind.ValueSerializer<Money>() {
            @Override
            public void serialize(
                Money value,
                tools.jackson.core.JsonGenerator gen,
                tools.jackson.databind.SerializationContext ctxt) {
              gen.writeString(text(value));
            }
          });
      money.addDeserializer(
          Money.class,
          new tools.jackson.databind.ValueDeserializer<Money>() {
            @Override
            public Money deserialize(
                tools.jackson.core.JsonParser p,
                tools.jackson.databind.DeserializationContext ctxt) {
              return money(p.getValueAsString());
            }
          });
      return tools.jackson.databind.json.JsonMapper.builder()
          .propertyNamingStrategy(tools.jackson.databind.PropertyNamingStrategies.SNAKE_CASE)
          .addModule(money)
          .build();
    }

    static String text(Money m) {
      return String.format(
          java.util.Locale.ROOT, "%d.%02d %s", m.cents() / 100, m.cents() % 100, m.currency());
    }

    static Money money(String text) {
      String[] parts = text.split(" ");
      return new Money(
          new java.math.BigDecimal(parts[0]).movePointRight(2).longValueExact(), parts[1]);
    }
  }
}
