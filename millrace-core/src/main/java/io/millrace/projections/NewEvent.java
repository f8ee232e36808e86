package io.millrace.projections;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.millrace.base.Json;
import io.millrace.base.JsonCodec;
import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import io.millrace.jobs.JobRequest;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An event to append: a type (the shared name rule: letters, digits and {@code . _ : -}), JSON data
 * and JSON metadata (an object; default {@code {}}). JSON text is checked where the event is built;
 * data and metadata given as objects are written by the appending node's {@link JsonCodec} and
 * checked at append. Either way a bad event is refused before anything is written.
 */
public final class NewEvent {
  /** The largest data or metadata document accepted, in characters. */
  public static final int MAX_JSON_CHARS = 1024 * 1024;

  private final String type;

  /** Exactly one of each pair is set: JSON text, or a value for the codec. */
  private final @Nullable String data;

  private final @Nullable Object dataValue;
  private final @Nullable String metadata;
  private final @Nullable Map<String, ?> metadataValue;

  /**
   * An event from JSON text: {@code data} any JSON value, {@code metadata} a JSON object or null
   * ({@code {}}).
   */
  public NewEvent(String type, String data, @Nullable String metadata) {
    this(
        type,
        checkJson("data", data, false),
        null,
        metadata == null ? "{}" : checkJson("metadata", metadata, true),
        null);
  }

  private NewEvent(
      String type,
      @Nullable String data,
      @Nullable Object dataValue,
      @Nullable String metadata,
      @Nullable Map<String, ?> metadataValue) {
    this.type = JobRequest.requireName("type", type);
    this.data = data;
    this.dataValue = dataValue;
    this.metadata = metadata;
    this.metadataValue = metadataValue;
  }

  /**
   * An event whose data is {@code data} (a record, a class, a {@code Map}...), written to JSON by
   * the appending node's {@link JsonCodec}.
   */
  public static NewEvent of(String type, Object data) {
    if (data == null) {
      throw new ValidationException("data", "must not be null; use an empty object instead");
    }
    if (data instanceof JsonNode node) {
      // Checked as a tree first: one nested past the limit cannot even be written as text.
      Storable.json("data", node);
      return new NewEvent(type, checkJson("data", Json.write(node), false), null, "{}", null);
    }
    return new NewEvent(type, null, data, "{}", null);
  }

  /** An event whose data is already JSON text. */
  public static NewEvent json(String type, String data) {
    return new NewEvent(type, data, null);
  }

  /**
   * This event with {@code metadata} (correlation ids, the acting user...) attached, written by the
   * appending node's {@link JsonCodec}.
   */
  public NewEvent withMetadata(Map<String, ?> metadata) {
    if (metadata == null) {
      throw new ValidationException("metadata", "must not be null");
    }
    // A copy that keeps null values (JSON null), which Map.copyOf refuses.
    return new NewEvent(
        type,
        data,
        dataValue,
        null,
        java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metadata)));
  }

  public String type() {
    return type;
  }

  /** The data as the JSON text stored, written by {@code codec} if it was given as an object. */
  public String data(JsonCodec codec) {
    return data != null ? data : sized("data", Objects.requireNonNull(dataValue), codec);
  }

  /** The metadata as the JSON text stored, written by {@code codec} if given as a map. */
  public String metadata(JsonCodec codec) {
    return metadata != null
        ? metadata
        : sized("metadata", Objects.requireNonNull(metadataValue), codec);
  }

  private static String sized(String field, Object value, JsonCodec codec) {
    JsonNode tree = Json.encode(codec, field, value);
    if ("metadata".equals(field) && !tree.isObject()) {
      throw new ValidationException(field, "must be a JSON object");
    }
    String json = Json.write(tree);
    if (json.length() > MAX_JSON_CHARS) {
      throw new ValidationException(field, "is larger than " + MAX_JSON_CHARS + " characters");
    }
    return json;
  }

  private static String checkJson(String field, String json, boolean object) {
    if (json == null) {
      throw new ValidationException(field, "must not be null");
    }
    if (json.length() > MAX_JSON_CHARS) {
      throw new ValidationException(field, "is larger than " + MAX_JSON_CHARS + " characters");
    }
    JsonNode node;
    try {
      node = Json.parse(json);
    } catch (JsonProcessingException e) {
      throw new ValidationException(
          field, "is not valid JSON: " + Storable.escape(e.getOriginalMessage()));
    }
    if (node == null || node.isMissingNode()) {
      throw new ValidationException(field, "is empty");
    }
    if (object && !node.isObject()) {
      throw new ValidationException(field, "must be a JSON object");
    }
    Storable.json(field, node);
    return json;
  }

  @Override
  public String toString() {
    return "NewEvent[type=" + type + "]";
  }
}
