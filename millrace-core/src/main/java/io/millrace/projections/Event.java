package io.millrace.projections;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.millrace.base.Json;
import io.millrace.base.MillraceException;
import java.time.Instant;

/**
 * A stored event. {@code dataJson} and {@code metadataJson} are the JSON text as stored; {@link
 * #data()} and {@link #dataAs(Class)} parse it on demand, so a projection that needs only the type
 * and stream pays no parsing.
 *
 * @param logPosition where it sits in the global reading order (a projection's checkpoint)
 * @param version its place in its stream, from 1
 */
public record Event(
    LogPosition logPosition,
    String stream,
    long version,
    String type,
    String dataJson,
    String metadataJson,
    Instant createdAt) {

  /**
   * The global position assigned at insert (unique, but commit order may differ; see {@link
   * LogPosition}).
   */
  public long position() {
    return logPosition.position();
  }

  public JsonNode data() {
    return Json.tree(dataJson);
  }

  public JsonNode metadata() {
    return Json.tree(metadataJson);
  }

  public <T> T dataAs(Class<T> type) {
    try {
      return Json.MAPPER.readValue(dataJson, type);
    } catch (JsonProcessingException e) {
      throw new MillraceException(
          "event "
              + position()
              + " ("
              + this.type
              + ") does not read as "
              + type.getSimpleName()
              + ": "
              + e.getOriginalMessage(),
          e);
    }
  }
}
