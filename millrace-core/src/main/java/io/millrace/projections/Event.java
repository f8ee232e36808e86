package io.millrace.projections;

import com.fasterxml.jackson.databind.JsonNode;
import io.millrace.base.Jackson2Codec;
import io.millrace.base.Json;
import io.millrace.base.JsonCodec;
import io.millrace.base.MillraceException;
import io.millrace.base.TypeRef;
import java.lang.reflect.Type;
import java.time.Instant;
import java.util.Objects;

/**
 * A stored event. {@code dataJson} and {@code metadataJson} are the JSON text as stored; {@link
 * #data()} and {@link #dataAs(Class)} parse it on demand, so a projection that needs only the type
 * and stream pays no parsing. {@link #dataAs} reads with the {@link JsonCodec} of the node that
 * read the event (the application's own mapper under Spring Boot). Two events are equal when every
 * stored field is.
 */
public final class Event {
  private final LogPosition logPosition;
  private final String stream;
  private final long version;
  private final String type;
  private final String dataJson;
  private final String metadataJson;
  private final Instant createdAt;
  private final JsonCodec codec;

  /**
   * An event as stored, read with {@link Jackson2Codec#defaults()} (events a node reads carry its
   * own codec).
   *
   * @param logPosition where it sits in the global reading order (a projection's checkpoint)
   * @param version its place in its stream, from 1
   */
  public Event(
      LogPosition logPosition,
      String stream,
      long version,
      String type,
      String dataJson,
      String metadataJson,
      Instant createdAt) {
    this(
        logPosition,
        stream,
        version,
        type,
        dataJson,
        metadataJson,
        createdAt,
        Jackson2Codec.defaults());
  }

  Event(
      LogPosition logPosition,
      String stream,
      long version,
      String type,
      String dataJson,
      String metadataJson,
      Instant createdAt,
      JsonCodec codec) {
    this.logPosition = Objects.requireNonNull(logPosition, "logPosition");
    this.stream = Objects.requireNonNull(stream, "stream");
    this.version = version;
    this.type = Objects.requireNonNull(type, "type");
    this.dataJson = Objects.requireNonNull(dataJson, "dataJson");
    this.metadataJson = Objects.requireNonNull(metadataJson, "metadataJson");
    this.createdAt = Objects.requireNonNull(createdAt, "createdAt");
    this.codec = codec;
  }

  /** Where it sits in the global reading order (a projection's checkpoint). */
  public LogPosition logPosition() {
    return logPosition;
  }

  /**
   * The global position assigned at insert (unique, but commit order may differ; see {@link
   * LogPosition}).
   */
  public long position() {
    return logPosition.position();
  }

  public String stream() {
    return stream;
  }

  /** Its place in its stream, from 1. */
  public long version() {
    return version;
  }

  public String type() {
    return type;
  }

  /** The data as stored. */
  public String dataJson() {
    return dataJson;
  }

  /** The metadata as stored (a JSON object). */
  public String metadataJson() {
    return metadataJson;
  }

  public Instant createdAt() {
    return createdAt;
  }

  /** The data as Millrace's exact tree (decimals as {@code BigDecimal}), whatever the codec. */
  public JsonNode data() {
    return Objects.requireNonNull(Json.tree(dataJson));
  }

  public JsonNode metadata() {
    return Objects.requireNonNull(Json.tree(metadataJson));
  }

  /** The data read into {@code type} by the node's {@link JsonCodec}. */
  public <T> T dataAs(Class<T> type) {
    @SuppressWarnings("unchecked") // the codec read it as {@code type} (a primitive too)
    T value = (T) read(type);
    return value;
  }

  /** The data read into a generic type: {@code dataAs(new TypeRef<List<Line>>() {})}. */
  @SuppressWarnings("unchecked") // the codec read it as the TypeRef's type
  public <T> T dataAs(TypeRef<T> type) {
    return (T) read(type.type());
  }

  private Object read(Type target) {
    try {
      return Json.decode(codec, dataJson, target);
    } catch (RuntimeException e) {
      throw new MillraceException(
          "event "
              + position()
              + " ("
              + type
              + ") does not read as "
              + target.getTypeName()
              + ": "
              + e.getMessage(),
          e);
    }
  }

  @Override
  public boolean equals(@org.jspecify.annotations.Nullable Object o) {
    return o instanceof Event e
        && logPosition.equals(e.logPosition)
        && stream.equals(e.stream)
        && version == e.version
        && type.equals(e.type)
        && dataJson.equals(e.dataJson)
        && metadataJson.equals(e.metadataJson)
        && createdAt.equals(e.createdAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(logPosition, stream, version, type, dataJson, metadataJson, createdAt);
  }

  @Override
  public String toString() {
    return "Event[logPosition="
        + logPosition
        + ", stream="
        + stream
        + ", version="
        + version
        + ", type="
        + type
        + ", createdAt="
        + createdAt
        + "]";
  }
}
