package io.millrace.bench.phases;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** One stdout line of an adapter: its descriptor, or one metric sample. */
sealed interface AdapterLine {
  ObjectMapper JSON = new ObjectMapper();

  /** The first line: which system, and the tables its events touch. */
  record Descriptor(String system, String version, String database, List<String> eventTables)
      implements AdapterLine {}

  /**
   * One metric at time {@code t}; {@code windowSeconds} is the span it covers, ending at {@code t}.
   */
  record Sample(Instant t, String metric, double value, int windowSeconds) implements AdapterLine {}

  /**
   * Parses a line; empty for anything the protocol does not define (a blank line, an unknown kind),
   * which the driver skips rather than fails on, as a harness must for a newer adapter.
   *
   * @throws IllegalArgumentException when the line is not JSON or a known line lacks a field
   */
  static Optional<AdapterLine> parse(String line) {
    if (line.isBlank()) {
      return Optional.empty();
    }
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a JSON line: " + abbreviate(line), e);
    }
    String kind = node.path("kind").asText("");
    if (kind.equals("descriptor")) {
      List<String> tables = new ArrayList<>();
      node.path("event_tables").forEach(t -> tables.add(t.asText()));
      return Optional.of(
          new Descriptor(
              text(node, "system", line),
              node.path("version").asText(""),
              node.path("db_name").asText(""),
              List.copyOf(tables)));
    }
    if (kind.equals("adapter") && node.has("metric")) {
      JsonNode value = node.path("value");
      if (!value.isNumber()) {
        throw new IllegalArgumentException(
            "metric line without a numeric value: " + abbreviate(line));
      }
      return Optional.of(
          new Sample(
              Instant.parse(text(node, "t", line)),
              text(node, "metric", line),
              value.asDouble(),
              node.path("window_s").asInt(1)));
    }
    return Optional.empty();
  }

  private static String text(JsonNode node, String field, String line) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new IllegalArgumentException("line without '" + field + "': " + abbreviate(line));
    }
    return value.asText();
  }

  private static String abbreviate(String line) {
    return line.length() <= 200 ? line : line.substring(0, 200) + "…";
  }
}
