package io.millrace.base;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.lang.reflect.Type;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Millrace's own JSON: the trees it stores and reads back (exact decimals), the error records it
 * writes, the admin API. The application's values go through the node's {@link JsonCodec} instead;
 * {@link #encode} and {@link #decode} are the bridge between the two, and every value a codec
 * writes is checked by {@link Storable#json} there.
 */
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

  /**
   * {@code value} written by {@code codec} and checked for what {@code jsonb} can store, as a tree:
   * written as text directly, NaN would become the string "NaN" and U+0000 an escape that jsonb
   * refuses. A {@link ValidationException} names {@code field} when the codec cannot write it or
   * PostgreSQL could not store it.
   */
  public static JsonNode encode(JsonCodec codec, String field, Object value) {
    if (value == null) {
      throw new ValidationException(field, "must not be null; use an empty object instead");
    }
    JsonNode tree;
    try {
      if (value instanceof JsonNode node) {
        tree = node; // already Millrace's tree: another library's codec would take it for a bean
      } else if (codec instanceof Jackson2Codec jackson) {
        // The same mapper straight to a tree: no text in between (the default codec's hot path).
        tree = jackson.mapper().valueToTree(value);
      } else {
        tree = parse(codec.write(value));
      }
    } catch (ValidationException e) {
      throw e;
    } catch (JsonProcessingException e) {
      throw new ValidationException(
          field,
          "cannot be stored: the JSON codec wrote invalid JSON ("
              + Storable.escape(e.getOriginalMessage())
              + ")");
    } catch (RuntimeException | StackOverflowError e) {
      throw new ValidationException(
          field,
          "cannot be serialised to JSON: "
              + (e instanceof StackOverflowError
                  ? "it nests too deeply"
                  : Storable.escape(String.valueOf(e.getMessage()))));
    }
    if (tree == null || tree.isMissingNode()) {
      throw new ValidationException(field, "cannot be serialised to JSON: the codec wrote nothing");
    }
    return Storable.json(field, tree);
  }

  /**
   * Stored JSON text read by {@code codec} as {@code type}; {@code String} is the text itself, and
   * {@code JsonNode} or {@code Object} Millrace's exact tree, whatever the codec.
   */
  public static Object decode(JsonCodec codec, String json, Type type) {
    if (type == String.class) {
      return json;
    }
    if (type == JsonNode.class || type == Object.class) {
      return Objects.requireNonNull(tree(json));
    }
    return codec.read(json, type);
  }

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
