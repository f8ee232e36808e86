package io.millrace.projections;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.millrace.base.Json;
import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import io.millrace.jobs.JobRequest;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An event to append: a type (the shared name rule: letters, digits and {@code . _ : -}), JSON data
 * and JSON metadata (an object; default {@code {}}). Checked here, so a bad event is refused before
 * anything is written.
 */
public record NewEvent(String type, String data, @Nullable String metadata) {
  /** The largest data or metadata document accepted, in characters. */
  public static final int MAX_JSON_CHARS = 1024 * 1024;

  public NewEvent {
    JobRequest.requireName("type", type);
    data = checkJson("data", data, false);
    metadata = metadata == null ? "{}" : checkJson("metadata", metadata, true);
  }

  /** An event whose data is {@code data} serialised with Jackson. */
  public static NewEvent of(String type, Object data) {
    if (data == null) {
      throw new ValidationException("data", "must not be null; use an empty object instead");
    }
    return new NewEvent(type, Json.write(checked("data", data)), null);
  }

  /** An event whose data is already JSON text. */
  public static NewEvent json(String type, String data) {
    return new NewEvent(type, data, null);
  }

  /** This event with {@code metadata} (correlation ids, the acting user...) attached. */
  public NewEvent withMetadata(Map<String, ?> metadata) {
    if (metadata == null) {
      throw new ValidationException("metadata", "must not be null");
    }
    return new NewEvent(type, data, Json.write(checked("metadata", metadata)));
  }

  /**
   * {@code value} as a JSON tree, checked before it is written as text: written directly, NaN would
   * become the string "NaN" and U+0000 an escape that jsonb refuses.
   */
  private static JsonNode checked(String field, Object value) {
    try {
      return Storable.json(field, Json.MAPPER.valueToTree(value));
    } catch (IllegalArgumentException e) {
      throw new ValidationException(
          field, "cannot be serialised to JSON: " + Storable.escape(e.getMessage()));
    }
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
}
