package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.millrace.Millrace;
import io.millrace.base.Json;
import io.millrace.base.Storable;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Generated results, exception messages, cancel reasons and snoozes, many of them unstorable (NUL,
 * other control characters, lone surrogates, huge texts, deep nesting, non-finite numbers): every
 * job ends in a defined state with what it handed back recorded or refused with a reason, and the
 * node keeps completing a healthy job alongside each one.
 */
class HandedBackProperties {
  /** What the handler of one job hands back. {@code poison}: PostgreSQL cannot store it as is. */
  sealed interface Probe {}

  record Result(Object value, boolean poison, String what) implements Probe {}

  record Throw(String message) implements Probe {}

  record Cancel(String reason) implements Probe {}

  record Snooze(Duration delay) implements Probe {}

  static final Map<Long, Probe> probes = new ConcurrentHashMap<>();
  static final AtomicLong tokens = new AtomicLong();
  static TestDatabase db;
  static Millrace node;

  @BeforeContainer
  static void start() {
    db = TestDatabase.create("handedback");
    node =
        db.builder()
            .queue("default", 4)
            .handler(
                "probe",
                Map.class,
                job -> {
                  Probe probe = probes.get(((Number) job.args().get("token")).longValue());
                  if (probe instanceof Result r) {
                    return r.value();
                  }
                  if (probe instanceof Throw t) {
                    throw new IllegalStateException(t.message());
                  }
                  if (probe instanceof Cancel c) {
                    return job.cancel(c.reason());
                  }
                  Snooze s = (Snooze) probe;
                  return job.attempt() == 1 ? new Outcome.Snooze(s.delay()) : "woke";
                })
            .handler("healthy", Map.class, job -> job.args())
            .build();
    node.migrate();
    node.start();
  }

  @AfterContainer
  static void stop() {
    node.close();
    db.close();
  }

  @Property(tries = 80)
  void everyJobEndsDefinedAndTheNodeKeepsCompleting(@ForAll("probes") Probe probe) {
    long token = tokens.incrementAndGet();
    probes.put(token, probe);
    List<EnqueueResult> enqueued =
        node.enqueueAll(
            List.of(
                JobRequest.of("probe", Map.of("token", token)).maxAttempts(1),
                JobRequest.of("healthy", Map.of("token", token))));
    long id = enqueued.get(0).id();
    long healthy = enqueued.get(1).id();
    Await.until(
        "probe " + probe.getClass().getSimpleName() + " settled",
        Duration.ofSeconds(30),
        () -> settled(id, probe));
    Await.until(
        "the healthy job completed",
        Duration.ofSeconds(30),
        () -> node.admin().get(healthy).map(j -> j.state() == JobState.COMPLETED).orElse(false));
    Job job = node.admin().get(id).orElseThrow();
    probes.remove(token);

    for (JobError error : job.errors()) {
      assertThat(Storable.textProblem(error.message())).isNull();
      assertThat(error.message().length()).isLessThan(HandedBack.MAX_MESSAGE_CHARS * 6 + 100);
    }
    if (probe instanceof Result r) {
      if (r.poison()) {
        assertThat(job.state()).as(r.what()).isEqualTo(JobState.FAILED);
        assertThat(job.errors().get(0).message()).contains("result");
      } else {
        assertThat(job.state()).as(r.what()).isEqualTo(JobState.COMPLETED);
        JsonNode expected = Json.MAPPER.valueToTree(r.value());
        assertThat(sameJson(expected, job.result())).as(r.what()).isTrue();
      }
    } else if (probe instanceof Throw t) {
      assertThat(job.state()).isEqualTo(JobState.FAILED);
      String full = "java.lang.IllegalStateException: " + t.message();
      String head = full.substring(0, Math.min(full.length(), 60));
      if (Character.isHighSurrogate(head.charAt(head.length() - 1))) {
        head = head.substring(0, head.length() - 1);
      }
      assertThat(job.errors().get(0).message()).startsWith(Storable.escape(head));
    } else if (probe instanceof Cancel) {
      assertThat(job.state()).isEqualTo(JobState.CANCELLED);
      assertThat(job.errors().get(0).message()).startsWith("cancelled by handler: ");
    } else {
      Duration delay = ((Snooze) probe).delay();
      if (delay.isNegative() || delay.compareTo(Storable.MAX_DURATION) > 0) {
        assertThat(job.state()).isEqualTo(JobState.FAILED);
        assertThat(job.errors().get(0).message()).contains("snooze cannot be stored");
      } else if (job.state() == JobState.SCHEDULED) {
        assertThat(job.runAt()).isAfter(job.createdAt());
      } else {
        assertThat(job.state()).isEqualTo(JobState.COMPLETED);
        assertThat(job.result().asText()).isEqualTo("woke");
      }
    }
  }

  /** Finished, or (a snooze) waiting for a time it was given. */
  private static boolean settled(long id, Probe probe) {
    Job job = node.admin().get(id).orElseThrow();
    if (job.finishedAt() != null) {
      return true;
    }
    return probe instanceof Snooze s
        && job.state() == JobState.SCHEDULED
        && s.delay().compareTo(Duration.ofSeconds(1)) > 0;
  }

  /** JSON equality with numbers compared by value: jsonb normalises 1.0E10 to 10000000000. */
  private static boolean sameJson(JsonNode a, JsonNode b) {
    Comparator<JsonNode> numbers =
        (x, y) -> {
          if (x.isNumber() && y.isNumber()) {
            return new BigDecimal(x.asText()).compareTo(new BigDecimal(y.asText()));
          }
          return x.equals(y) ? 0 : 1;
        };
    return a.equals(numbers, b);
  }

  // ---- generators ----

  @Provide
  Arbitrary<Probe> probes() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(5, results()),
        net.jqwik.api.Tuple.of(3, texts(20_000).map(t -> (Probe) new Throw(t))),
        net.jqwik.api.Tuple.of(1, texts(20_000).map(t -> (Probe) new Cancel(t))),
        net.jqwik.api.Tuple.of(1, snoozes()));
  }

  private static Arbitrary<Probe> results() {
    Arbitrary<Probe> text =
        texts(200)
            .map(t -> (Probe) new Result(Map.of("text", t), unstorable(t), "text " + describe(t)));
    Arbitrary<Probe> key =
        texts(20).map(t -> (Probe) new Result(Map.of(t, 1), unstorable(t), "key " + describe(t)));
    Arbitrary<Probe> number =
        Arbitraries.oneOf(
                Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY),
                Arbitraries.doubles().between(-1e300, 1e300))
            .map(d -> (Probe) new Result(Map.of("x", d), !Double.isFinite(d), "number " + d));
    Arbitrary<Probe> deep =
        Arbitraries.oneOf(
                Arbitraries.of(999, 1_000, 1_001), Arbitraries.integers().between(1, 1_100))
            .map(d -> (Probe) new Result(nested(d), d > Storable.MAX_JSON_DEPTH, "nested " + d));
    // A top-level JSON string of n 'x' is n + 2 bytes: around the 1 MiB limit.
    Arbitrary<Probe> huge =
        Arbitraries.integers()
            .between(HandedBack.MAX_RESULT_BYTES - 10, HandedBack.MAX_RESULT_BYTES + 10)
            .map(
                n ->
                    (Probe)
                        new Result(
                            "x".repeat(n), n + 2 > HandedBack.MAX_RESULT_BYTES, n + " chars of x"));
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, text),
        net.jqwik.api.Tuple.of(2, key),
        net.jqwik.api.Tuple.of(2, number),
        net.jqwik.api.Tuple.of(2, deep),
        net.jqwik.api.Tuple.of(1, huge));
  }

  private static Arbitrary<Probe> snoozes() {
    return Arbitraries.oneOf(
            Arbitraries.longs().between(-5_000, 300).map(Duration::ofMillis),
            Arbitraries.of(
                Duration.ofHours(1),
                Storable.MAX_DURATION,
                Storable.MAX_DURATION.plusSeconds(1),
                Duration.ofSeconds(Long.MAX_VALUE)))
        .map(d -> (Probe) new Snooze(d));
  }

  /** Texts mixing NUL, other control characters, lone and paired surrogates; sometimes huge. */
  private static Arbitrary<String> texts(int maxLength) {
    Arbitrary<Character> chars =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(10, Arbitraries.chars().range('a', 'z')),
            net.jqwik.api.Tuple.of(2, Arbitraries.chars().range('\u0000', '\u001f')),
            net.jqwik.api.Tuple.of(1, Arbitraries.chars().range('\uD800', '\uDFFF')),
            net.jqwik.api.Tuple.of(1, Arbitraries.of('\u0000', 'é', '\u2028', '\uFFFF')));
    Arbitrary<String> small =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(6, chars.list().ofMaxSize(30).map(HandedBackProperties::join)),
            net.jqwik.api.Tuple.of(1, Arbitraries.just("\uD83D\uDE00 pair")));
    Arbitrary<String> repeated =
        small.flatMap(
            s ->
                Arbitraries.integers()
                    .between(1, Math.max(1, maxLength / Math.max(1, s.length())))
                    .map(s::repeat));
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, small), net.jqwik.api.Tuple.of(1, repeated));
  }

  private static String join(List<Character> chars) {
    StringBuilder b = new StringBuilder(chars.size());
    chars.forEach(b::append);
    return b.toString();
  }

  /** Independent of Storable: NUL, or a surrogate that is not part of a high-low pair. */
  private static boolean unstorable(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\u0000') {
        return true;
      }
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  private static String describe(String s) {
    StringBuilder b = new StringBuilder();
    s.codePoints().limit(40).forEach(cp -> b.append(String.format("U+%04X ", cp)));
    return "(" + s.length() + " chars) " + b;
  }

  private static Object nested(int depth) {
    Object value = 1;
    for (int i = 0; i < depth; i++) {
      List<Object> list = new ArrayList<>(1);
      list.add(value);
      value = list;
    }
    return value;
  }
}
