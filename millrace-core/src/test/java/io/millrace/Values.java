package io.millrace;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.millrace.base.Storable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Generators of values that may or may not be storable in PostgreSQL (texts with NUL, other control
 * characters and lone surrogates, huge texts, extreme and malformed numbers, instants and durations
 * across and beyond the stored range, deep JSON), shared by the property suites that throw them at
 * Millrace's entry points, and the JSON comparison a round trip is judged by.
 */
public final class Values {
  /**
   * Writes JSON text as a client would, past Jackson's default nesting limit on writing, so that an
   * over-deep document reaches Millrace as text and Millrace's own checks decide.
   */
  private static final ObjectMapper TEXT_WRITER =
      new ObjectMapper(
          JsonFactory.builder()
              .streamWriteConstraints(
                  StreamWriteConstraints.builder().maxNestingDepth(100_000).build())
              .build());

  private Values() {}

  /** {@code node} as JSON text (a NaN becomes the string "NaN", as Jackson writes it). */
  public static String text(JsonNode node) {
    try {
      return TEXT_WRITER.writeValueAsString(node);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("test documents are always writable", e);
    }
  }

  /** Names that follow the shared name rule, so that other fields get their turn to be wrong. */
  public static Arbitrary<String> names() {
    return Arbitraries.strings()
        .withCharRange('a', 'z')
        .withChars('.', '_', ':', '-', '0', '9')
        .ofMinLength(1)
        .ofMaxLength(24);
  }

  /** Fragments that are hard to store or to quote, joined at random. */
  public static Arbitrary<String> awkward() {
    return Arbitraries.of(
            "a",
            "Z",
            "0",
            ".",
            "-",
            ":",
            " ",
            "\u0000",
            "\u0001",
            "\t",
            "\n",
            "\r",
            "\u001b",
            "\u007f",
            "\u0085",
            "\ud800",
            "\udfff",
            "\uD83D\uDE00",
            "é",
            "\uFFFE",
            "\\u0000",
            "'",
            "\"",
            ";",
            "%",
            "?",
            "{}",
            "$1")
        .list()
        .ofMinSize(0)
        .ofMaxSize(12)
        .map(parts -> String.join("", parts));
  }

  /** Any text: valid names, awkward fragments, arbitrary characters, and huge texts. */
  public static Arbitrary<String> texts() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, names()),
        net.jqwik.api.Tuple.of(4, awkward()),
        net.jqwik.api.Tuple.of(2, Arbitraries.strings().all().ofMaxLength(16)),
        net.jqwik.api.Tuple.of(
            1, Arbitraries.strings().alpha().ofMinLength(100).ofMaxLength(3_000)),
        net.jqwik.api.Tuple.of(
            1, Arbitraries.integers().between(60_000, 200_000).map(n -> "x".repeat(n))));
  }

  /** Instants inside the stored range (to the microsecond and finer), at its edges and beyond. */
  public static Arbitrary<Instant> instants() {
    long min = Storable.MIN_INSTANT.getEpochSecond();
    long max = Storable.MAX_INSTANT.getEpochSecond();
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(
            6,
            Combinators.combine(
                    Arbitraries.longs().between(min, max),
                    Arbitraries.integers().between(0, 999_999))
                .as((s, micros) -> Instant.ofEpochSecond(s, micros * 1_000L))),
        net.jqwik.api.Tuple.of(
            2,
            Combinators.combine(
                    Arbitraries.longs().between(min, max),
                    Arbitraries.integers().between(0, 999_999_999))
                .as(Instant::ofEpochSecond)),
        net.jqwik.api.Tuple.of(
            2,
            Arbitraries.longs()
                .between(Instant.MIN.getEpochSecond(), Instant.MAX.getEpochSecond())
                .map(Instant::ofEpochSecond)),
        net.jqwik.api.Tuple.of(
            2,
            Arbitraries.of(
                Storable.MIN_INSTANT,
                Storable.MAX_INSTANT,
                Storable.MIN_INSTANT.minusNanos(1),
                Storable.MAX_INSTANT.plusNanos(1),
                Storable.MAX_INSTANT.plusNanos(500),
                Instant.parse("1582-10-04T23:59:59Z"),
                Instant.parse("1582-10-15T00:00:00Z"),
                Instant.parse("1500-06-15T00:00:00Z"),
                Instant.parse("0000-12-31T23:59:59Z"),
                Instant.parse("+10000-01-01T00:00:00Z"),
                Instant.parse("-5000-01-01T00:00:00Z"),
                Instant.MIN,
                Instant.MAX,
                Instant.EPOCH)));
  }

  /** Durations from nothing to Long.MAX_VALUE seconds, negative ones and the edges of the bound. */
  public static Arbitrary<Duration> durations() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(
            4, Arbitraries.longs().between(0, 10_000_000).map(Duration::ofMillis)),
        net.jqwik.api.Tuple.of(
            2,
            Combinators.combine(Arbitraries.longs(), Arbitraries.longs().between(0, 999_999_999))
                .as(Duration::ofSeconds)),
        net.jqwik.api.Tuple.of(
            2,
            Arbitraries.of(
                Duration.ZERO,
                Duration.ofNanos(1),
                Duration.ofNanos(-1),
                Storable.MAX_DURATION,
                Storable.MAX_DURATION.plusNanos(1),
                Duration.ofSeconds(Long.MAX_VALUE, 999_999_999),
                Duration.ofSeconds(Long.MIN_VALUE))));
  }

  /** JSON numbers: longs, doubles with the non-finite ones, decimals with huge exponents. */
  public static Arbitrary<JsonNode> numbers() {
    return Arbitraries.oneOf(
        Arbitraries.longs().map(LongNode::valueOf),
        Arbitraries.doubles().map(DoubleNode::valueOf),
        Arbitraries.of(
                Double.NaN,
                Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY,
                -0.0,
                Double.MAX_VALUE,
                Double.MIN_VALUE)
            .map(DoubleNode::valueOf),
        Combinators.combine(
                Arbitraries.bigIntegers()
                    .between(BigInteger.valueOf(-99_999), BigInteger.valueOf(99_999)),
                Arbitraries.integers().between(-1_500, 1_500))
            .as(
                (unscaled, scale) ->
                    (JsonNode) DecimalNode.valueOf(new BigDecimal(unscaled, scale))));
  }

  /** JSON documents of any shape, awkward strings and keys, up to {@code depth} levels. */
  public static Arbitrary<JsonNode> json(int depth) {
    Arbitrary<JsonNode> leaf =
        Arbitraries.oneOf(
            texts().map(t -> (JsonNode) TextNode.valueOf(t)),
            numbers(),
            Arbitraries.of(BooleanNode.TRUE, BooleanNode.FALSE, NullNode.instance));
    if (depth <= 0) {
      return leaf;
    }
    Arbitrary<JsonNode> child = json(depth - 1);
    Arbitrary<JsonNode> array =
        child
            .list()
            .ofMaxSize(4)
            .map(
                items -> {
                  ArrayNode a = JsonNodeFactory.instance.arrayNode();
                  items.forEach(a::add);
                  return a;
                });
    Arbitrary<JsonNode> object =
        Arbitraries.maps(Arbitraries.oneOf(names(), awkward()), child)
            .ofMaxSize(4)
            .map(
                fields -> {
                  ObjectNode o = JsonNodeFactory.instance.objectNode();
                  fields.forEach(o::set);
                  return o;
                });
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(2, leaf),
        net.jqwik.api.Tuple.of(3, array),
        net.jqwik.api.Tuple.of(3, object));
  }

  /** Objects (what args, data and metadata usually are), now and then nested past the limit. */
  public static Arbitrary<JsonNode> documents() {
    Arbitrary<JsonNode> objects =
        Arbitraries.maps(Arbitraries.oneOf(names(), awkward()), json(3))
            .ofMaxSize(5)
            .map(
                fields -> {
                  ObjectNode o = JsonNodeFactory.instance.objectNode();
                  fields.forEach(o::set);
                  return o;
                });
    Arbitrary<JsonNode> deep =
        Arbitraries.of(
                5,
                Storable.MAX_JSON_DEPTH - 1,
                Storable.MAX_JSON_DEPTH,
                Storable.MAX_JSON_DEPTH + 1)
            .map(Values::nested);
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(8, objects), net.jqwik.api.Tuple.of(1, deep));
  }

  /**
   * {@code levels} arrays, one inside the other, around a string. Its toString is a summary: a
   * report of a failing sample must not itself fail on Jackson's nesting limit.
   */
  public static JsonNode nested(int levels) {
    JsonNode node = TextNode.valueOf("core");
    for (int i = 0; i < levels - 1; i++) {
      ArrayNode a = JsonNodeFactory.instance.arrayNode();
      a.add(node);
      node = a;
    }
    ArrayNode outer =
        new ArrayNode(JsonNodeFactory.instance) {
          private static final long serialVersionUID = 1L;

          @Override
          public String toString() {
            return "[" + levels + " nested arrays]";
          }
        };
    outer.add(node);
    return outer;
  }

  /**
   * Whether two JSON documents say the same: numbers by value ({@code jsonb} writes {@code 1.0E-7}
   * back as {@code 0.00000010}, and has no negative zero), object members in any order.
   */
  public static boolean sameJson(JsonNode a, JsonNode b) {
    if (a.isNumber() && b.isNumber()) {
      return a.decimalValue().compareTo(b.decimalValue()) == 0;
    }
    if (a.isObject() && b.isObject()) {
      if (a.size() != b.size()) {
        return false;
      }
      Iterator<Map.Entry<String, JsonNode>> fields = a.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> f = fields.next();
        if (!b.has(f.getKey()) || !sameJson(f.getValue(), b.get(f.getKey()))) {
          return false;
        }
      }
      return true;
    }
    if (a.isArray() && b.isArray()) {
      if (a.size() != b.size()) {
        return false;
      }
      for (int i = 0; i < a.size(); i++) {
        if (!sameJson(a.get(i), b.get(i))) {
          return false;
        }
      }
      return true;
    }
    return a.equals(b);
  }
}
