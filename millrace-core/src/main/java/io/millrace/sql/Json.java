package io.millrace.sql;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.millrace.MillraceException;

/** The one JSON mapper Millrace uses for args, results and errors. */
public final class Json {
  public static final ObjectMapper MAPPER =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private Json() {}

  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new MillraceException(
          "could not serialise " + value.getClass().getName() + " to JSON", e);
    }
  }

  public static JsonNode parse(String json) throws JsonProcessingException {
    return MAPPER.readTree(json);
  }

  public static JsonNode tree(String json) {
    try {
      return json == null ? null : MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new MillraceException("stored JSON is not valid: " + e.getOriginalMessage(), e);
    }
  }
}
