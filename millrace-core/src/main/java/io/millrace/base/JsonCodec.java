package io.millrace.base;

import java.lang.reflect.Type;

/**
 * How a node turns the application's own values into JSON text and back: job args given as objects
 * ({@code JobRequest.of}), the args a handler receives, a handler's result, event data and metadata
 * given as objects, the data a projection reads ({@code Event.dataAs}) and the documents it keeps.
 * Set it with {@code Millrace.builder(...).jsonCodec(codec)}; the Spring Boot starter sets the
 * application's own mapper. The default is {@link Jackson2Codec#defaults()}.
 *
 * <p>What a codec writes is checked before it reaches SQL exactly as JSON text handed in is ({@link
 * Storable#json}: no U+0000, finite numbers, at most 1,000 digits and levels), so a codec cannot
 * store what PostgreSQL would refuse. Millrace's own JSON (the columns it reads back for the admin
 * API, error records, exact decimals) does not go through the codec: it is {@link Json}.
 *
 * <p>A codec is used from many threads at once and must be thread-safe, as Jackson's mappers are.
 * Failures are unchecked exceptions whose message says what went wrong; Millrace reports them as
 * the field's {@link ValidationException} (a value it cannot write) or the attempt's failure (args
 * it cannot read).
 */
public interface JsonCodec {
  /** {@code value} (never null) as JSON text. */
  String write(Object value);

  /**
   * {@code json} read as {@code type}: a {@code Class}, or a generic type such as {@code
   * List<Item>} from a {@link TypeRef}.
   */
  Object read(String json, Type type);
}
