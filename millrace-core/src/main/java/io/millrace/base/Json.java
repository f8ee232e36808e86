package io.millrace.base;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import org.jspecify.annotations.Nullable;

/** The one JSON mapper Millrace uses for args, results and errors. */
public final class Json {
  public static final ObjectMapper MAPPER =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private static final ObjectReader EXACT =
      MAPPER
          .reader()
          .with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          // Keep the scale as written: jsonb keeps it too, so 0E-1500 comes back as 1,502
          // characters, which the digit limit must see (a stripped 0 would hide it).
          .with(JsonNodeFactory.withExactBigDecimals(true));

  private Json() {}

  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new MillraceException(
          "could not serialise " + value.getClass().getName() + " to JSON", e);
    }
  }

  /**
   * Parses JSON that a caller hands in. Decimals are read exactly, as {@link java.math.BigDecimal}:
   * read as doubles, {@code 1e-1499} would become {@code 0.0} (a silent change of the value) and
   * would escape {@link Storable#json}'s digit limit, while {@code jsonb} stores it exactly and
   * hands it back as 1,500 digits that no JSON reader here accepts.
   */
  public static JsonNode parse(String json) throws JsonProcessingException {
    return EXACT.readTree(json);
  }

  /**
   * Parses JSON read back from the database, exactly as {@link #parse} does: jsonb keeps every
   * digit it was given, so reading decimals as doubles would hand back a different value than was
   * stored ({@code 1E-324} as {@code 0.0}).
   */
  @Contract("!null -> !null")
  public static @Nullable JsonNode tree(@Nullable String json) {
    try {
      return json == null ? null : EXACT.readTree(json);
    } catch (JsonProcessingException e) {
      throw new MillraceException("stored JSON is not valid: " + e.getOriginalMessage(), e);
    }
  }
}
