package io.millrace.base;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.Type;
import java.util.Objects;

/**
 * A {@link JsonCodec} over a Jackson 2 ({@code com.fasterxml.jackson}) {@link ObjectMapper}: the
 * application's own, with its modules (the Kotlin module for data classes, {@code
 * jackson-datatype-jdk8}...), naming strategy and features, or Millrace's default.
 */
public final class Jackson2Codec implements JsonCodec {
  private static final Jackson2Codec DEFAULTS = new Jackson2Codec(Json.MAPPER);

  private final ObjectMapper mapper;

  private Jackson2Codec(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /**
   * Millrace's default: java.time types as ISO-8601 text, unknown properties ignored when reading
   * (so a handler keeps reading args that gained a field), everything else Jackson's defaults.
   */
  public static Jackson2Codec defaults() {
    return DEFAULTS;
  }

  /** A codec over {@code mapper}, used as configured. */
  public static Jackson2Codec of(ObjectMapper mapper) {
    return new Jackson2Codec(Objects.requireNonNull(mapper, "mapper"));
  }

  /** The mapper it writes and reads with. */
  public ObjectMapper mapper() {
    return mapper;
  }

  @Override
  public String write(Object value) {
    try {
      return mapper.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e.getOriginalMessage(), e);
    }
  }

  @Override
  public Object read(String json, Type type) {
    try {
      return mapper.readValue(json, mapper.constructType(type));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e.getOriginalMessage(), e);
    }
  }

  @Override
  public String toString() {
    return this == DEFAULTS ? "Jackson2Codec[defaults]" : "Jackson2Codec[" + mapper + "]";
  }
}
