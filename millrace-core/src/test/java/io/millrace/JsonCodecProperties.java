package io.millrace;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.base.Jackson2Codec;
import io.millrace.base.Jackson3Codec;
import io.millrace.base.JsonCodec;
import io.millrace.base.ValidationException;
import io.millrace.jobs.Job;
import io.millrace.jobs.JobRequest;
import io.millrace.testing.TestDatabase;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Whatever an application's codec writes for generated values — awkward text (U+0000, lone
 * surrogates, escapes), any double (NaN and infinities included), awkward map keys — the enqueue
 * either stores it and the codec reads back the value given, or is refused with a {@link
 * ValidationException} naming {@code args}, having written nothing. Never a PostgreSQL error: the
 * codec's output passes the same checks as JSON text handed in. Jackson 2 and Jackson 3 mappers
 * configured unlike the default (snake_case, a custom serializer).
 */
class JsonCodecProperties {
  record Payload(String text, double number, List<String> tags, Map<String, String> labels) {}

  static TestDatabase db;
  static Millrace jackson2;
  static Millrace jackson3;

  @BeforeContainer
  static void start() {
    db = TestDatabase.create("codecvalues");
    jackson2 = db.builder().jsonCodec(Jackson2Codec.of(JsonCodecTest.Mappers.jackson2())).build();
    jackson3 = db.builder().jsonCodec(Jackson3Codec.of(JsonCodecTest.Mappers.jackson3())).build();
    jackson2.migrate();
  }

  @AfterContainer
  static void stop() {
    jackson2.close();
    jackson3.close();
    db.close();
  }

  @Provide
  Arbitrary<Payload> payloads() {
    Arbitrary<Double> numbers =
        Arbitraries.oneOf(
                Arbitraries.doubles(),
                Arbitraries.of(
                    Double.NaN,
                    Double.POSITIVE_INFINITY,
                    Double.NEGATIVE_INFINITY,
                    Double.MAX_VALUE,
                    Double.MIN_VALUE,
                    1e-300))
            // jsonb's numeric has no negative zero: -0.0 reads back as 0.0, a value no codec keeps.
            .filter(d -> Double.doubleToRawLongBits(d) != Double.doubleToRawLongBits(-0.0));
    Arbitrary<String> small = Values.awkward();
    return Combinators.combine(
            Values.texts().filter(t -> t.length() < 10_000),
            numbers,
            small.list().ofMaxSize(3),
            Arbitraries.maps(small, small).ofMaxSize(3))
        .as(Payload::new);
  }

  @Property(tries = 150)
  void storedAndReadBackOrRefusedNamingArgs(
      @ForAll("payloads") Payload payload, @ForAll boolean three) {
    Millrace node = three ? jackson3 : jackson2;
    JsonCodec codec = node.jsonCodec();
    long before = db.count("FROM {schema}.jobs");
    long id;
    try {
      id = node.enqueue(JobRequest.of("codec.values", payload)).id();
    } catch (ValidationException e) {
      Statistics.collect(three ? "jackson 3" : "jackson 2", "refused");
      assertThat(e.field()).isEqualTo("args");
      assertThat(db.count("FROM {schema}.jobs")).isEqualTo(before);
      return;
    }
    Statistics.collect(three ? "jackson 3" : "jackson 2", "stored");
    Job job = node.admin().get(id).orElseThrow();
    assertThat(codec.read(job.args().toString(), Payload.class)).isEqualTo(payload);
  }
}
