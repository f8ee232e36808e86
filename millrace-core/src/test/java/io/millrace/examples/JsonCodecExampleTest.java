package io.millrace.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.base.Jackson2Codec;
import io.millrace.base.TypeRef;
import io.millrace.jobs.Job;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.JobState;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** docs/jobs.md's JSON codec example, run as written (DocsTest checks the text is here). */
class JsonCodecExampleTest {
  record LineItem(String sku, int unitCount) {}

  @Test
  void jobsDocExample() {
    // A database of its own, so the example's builder runs with the default schema.
    try (HikariDataSource dataSource =
        TestDatabase.pool(TestDatabase.otherDatabaseUrl("codec_example"), 5)) {
      ObjectMapper objectMapper =
          new ObjectMapper() // the application's own mapper
              .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
      Millrace millrace =
          Millrace.builder(dataSource)
              .jsonCodec(
                  Jackson2Codec.of(objectMapper)) // Jackson3Codec.of(jsonMapper) for Jackson 3
              .handler(
                  "order.lines",
                  new TypeRef<List<LineItem>>() {},
                  job -> {
                    int units = 0;
                    for (LineItem line : job.args()) { // LineItems, not maps
                      units += line.unitCount();
                    }
                    return Map.of("units", units); // stored as {"units": 3}
                  })
              .build();
      try {
        millrace.migrate();
        millrace.start();
        long id =
            millrace
                .enqueue(
                    JobRequest.of(
                        "order.lines", // stored as [{"sku": "sku-1", "unit_count": 2}, ...]
                        List.of(new LineItem("sku-1", 2), new LineItem("sku-2", 1))))
                .id();
        Await.until(
            "the job completes",
            () -> millrace.admin().get(id).orElseThrow().state() == JobState.COMPLETED);
        Job job = millrace.admin().get(id).orElseThrow();
        assertThat(job.args().get(0).get("unit_count").asInt()).isEqualTo(2);
        assertThat(job.result().get("units").asInt()).isEqualTo(3);
      } finally {
        millrace.close();
      }
    }
  }
}
