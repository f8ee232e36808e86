package io.millrace.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.millrace.Millrace;
import io.millrace.base.Jackson2Codec;
import io.millrace.base.JsonCodec;
import io.millrace.base.TypeRef;
import io.millrace.jobs.Job;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.JobState;
import io.millrace.projections.Event;
import io.millrace.projections.NewEvent;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.lang.reflect.Type;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The node writes and reads the application's values with the application's own mapper: Boot 4's
 * Jackson 3 {@code JsonMapper}, Boot 3's Jackson 2 {@code ObjectMapper} (the same test under {@code
 * -Pboot3}, where Jackson 3 is not on the class path at all), or a {@code JsonCodec} bean. The
 * mapper is configured unlike Millrace's default (snake_case, through Boot's own {@code
 * spring.jackson.*} property), so the stored JSON shows whose it is.
 */
class MillraceJsonCodecTest {
  private static final TestDatabase db = TestDatabase.create("spring_codec");

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(MillraceAutoConfiguration.class))
          .withUserConfiguration(TestDataSource.class)
          .withPropertyValues(TestDataSource.fastNode(db.schema()));

  @AfterAll
  static void closePool() {
    db.close();
  }

  record Order(String orderId, int lineCount) {}

  record Receipt(String orderId, String receiptNumber) {}

  @Test
  void bootsOwnMapperWritesArgsResultsAndEvents() {
    ConcurrentMap<String, Object> received = new ConcurrentHashMap<>();
    runner
        .withConfiguration(AutoConfigurations.of(BootLine.JACKSON))
        .withPropertyValues(
            "spring.jackson.property-naming-strategy=SNAKE_CASE",
            "millrace.queues.orders.concurrency=2")
        .withBean(
            "receipt",
            MillraceHandler.class,
            () ->
                MillraceHandler.of(
                    "order.receipt",
                    Order.class,
                    job -> {
                      received.put("order", job.args());
                      return new Receipt(job.args().orderId(), "R-1");
                    }))
        .withBean(
            "lines",
            MillraceHandler.class,
            () ->
                MillraceHandler.of(
                    "order.lines",
                    new TypeRef<List<Order>>() {},
                    job -> {
                      received.put("lines", job.args());
                      return null;
                    }))
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              JsonCodec codec = context.getBean(JsonCodec.class);
              // Boot 4 configures a Jackson 3 JsonMapper, Boot 3 a Jackson 2 ObjectMapper.
              assertThat(codec.getClass().getSimpleName())
                  .isEqualTo(BootLine.BOOT4 ? "Jackson3Codec" : "Jackson2Codec");
              if (!BootLine.BOOT4) {
                assertThat(
                        org.springframework.util.ClassUtils.isPresent(
                            MillraceJsonCodecs.JACKSON3, null))
                    .as("a Boot 3 application's class path, without Jackson 3")
                    .isFalse();
                assertThat(((Jackson2Codec) codec).mapper())
                    .isSameAs(context.getBean(ObjectMapper.class));
              }
              Millrace millrace = context.getBean(Millrace.class);
              assertThat(millrace.jsonCodec()).isSameAs(codec);
              MillraceTemplate template = context.getBean(MillraceTemplate.class);

              long id =
                  template
                      .enqueue(JobRequest.of("order.receipt", new Order("o-7", 3)).queue("orders"))
                      .id();
              Job job = finished(millrace, id);
              assertThat(job.args().has("order_id")).as(job.args().toString()).isTrue();
              assertThat(job.args().has("line_count")).isTrue();
              assertThat(received.get("order")).isEqualTo(new Order("o-7", 3));
              assertThat(job.result().get("receipt_number").asText()).isEqualTo("R-1");

              List<Order> lines = List.of(new Order("o-8", 1), new Order("o-9", 2));
              long linesId =
                  template.enqueue(JobRequest.of("order.lines", lines).queue("orders")).id();
              assertThat(finished(millrace, linesId).args().get(1).get("order_id").asText())
                  .isEqualTo("o-9");
              assertThat(received.get("lines")).isEqualTo(lines);

              template.append(
                  "order-o-7", 0, List.of(NewEvent.of("order.placed", new Order("o-7", 3))));
              Event event = millrace.events().readStream("order-o-7", 1, 1).get(0);
              assertThat(event.data().has("order_id")).as(event.dataJson()).isTrue();
              assertThat(event.dataAs(Order.class)).isEqualTo(new Order("o-7", 3));
            });
  }

  @Test
  void aJackson2ObjectMapperBeanIsUsedWhenTheApplicationHasNoJackson3Mapper() {
    ObjectMapper mapper =
        new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE);
    runner
        .withBean(ObjectMapper.class, () -> mapper)
        .withPropertyValues("millrace.external-kinds=order.audit")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              JsonCodec codec = context.getBean(Millrace.class).jsonCodec();
              assertThat(codec).isInstanceOf(Jackson2Codec.class);
              assertThat(((Jackson2Codec) codec).mapper()).isSameAs(mapper);
              long id =
                  context
                      .getBean(MillraceTemplate.class)
                      .enqueue(JobRequest.of("order.audit", new Order("o-1", 1)))
                      .id();
              Job job = context.getBean(Millrace.class).admin().get(id).orElseThrow();
              assertThat(job.args().has("order-id")).as(job.args().toString()).isTrue();
            });
  }

  @Test
  void anApplicationsJsonCodecBeanWinsOverItsMapper() {
    JsonCodec own = new UpperCaseKeys();
    runner
        .withConfiguration(AutoConfigurations.of(BootLine.JACKSON))
        .withBean(JsonCodec.class, () -> own)
        .withPropertyValues("millrace.external-kinds=order.audit")
        .run(
            context -> {
              assertThat(context).hasNotFailed().hasSingleBean(JsonCodec.class);
              Millrace millrace = context.getBean(Millrace.class);
              assertThat(millrace.jsonCodec()).isSameAs(own);
              long id =
                  context
                      .getBean(MillraceTemplate.class)
                      .enqueue(JobRequest.of("order.audit", Map.of("orderId", "o-2")))
                      .id();
              assertThat(millrace.admin().get(id).orElseThrow().args().has("ORDERID")).isTrue();
            });
  }

  @Test
  void withoutAnyMapperTheNodeUsesMillracesDefault() {
    runner.run(
        context ->
            assertThat(context.getBean(Millrace.class).jsonCodec())
                .isSameAs(Jackson2Codec.defaults()));
  }

  private static Job finished(Millrace millrace, long id) {
    Await.until(
        "job " + id + " finishes",
        () -> millrace.admin().get(id).orElseThrow().state() == JobState.COMPLETED);
    return millrace.admin().get(id).orElseThrow();
  }

  /** A codec of the application's own: keys in upper case, to be recognisable in the database. */
  static final class UpperCaseKeys implements JsonCodec {
    @Override
    public String write(Object value) {
      return Jackson2Codec.defaults().write(value).toUpperCase(java.util.Locale.ROOT);
    }

    @Override
    public Object read(String json, Type type) {
      return Jackson2Codec.defaults().read(json, type);
    }
  }
}
