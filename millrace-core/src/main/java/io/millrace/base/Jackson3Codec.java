package io.millrace.base;

import java.lang.reflect.Type;
import java.util.Objects;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectMapper;

/**
 * A {@link JsonCodec} over a Jackson 3 ({@code tools.jackson}) {@link ObjectMapper}, such as the
 * {@code JsonMapper} Spring Boot 4 configures. Millrace does not bring Jackson 3: this class is
 * usable when the application has {@code tools.jackson.core:jackson-databind} (3.0 or later) on its
 * class path, and is never loaded otherwise.
 */
public final class Jackson3Codec implements JsonCodec {
  private final ObjectMapper mapper;

  private Jackson3Codec(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /** A codec over {@code mapper}, used as configured. */
  public static Jackson3Codec of(ObjectMapper mapper) {
    return new Jackson3Codec(Objects.requireNonNull(mapper, "mapper"));
  }

  /** The mapper it writes and reads with. */
  public ObjectMapper mapper() {
    return mapper;
  }

  @Override
  public String write(Object value) {
    try {
      return mapper.writeValueAsString(value);
    } catch (JacksonException e) {
      throw new IllegalArgumentException(e.getOriginalMessage(), e);
    }
  }

  @Override
  public Object read(String json, Type type) {
    try {
      return mapper.readValue(json, mapper.constructType(type));
    } catch (JacksonException e) {
      throw new IllegalArgumentException(e.getOriginalMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "Jackson3Codec[" + mapper + "]";
  }
}
