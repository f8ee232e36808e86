package io.millrace.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.millrace.base.Json;
import io.millrace.base.Storable;
import io.millrace.jobs.JobState;
import io.millrace.jobs.MisfirePolicy;
import java.io.IOException;

/**
 * The API's JSON: core's mapper (ISO-8601 instants) with job states written as they are stored and
 * filtered on ({@code completed}, not {@code COMPLETED}), so a state read from a response can be
 * passed straight back as {@code ?state=}. The CLI prints its {@code --json} output with it too, so
 * both speak the same JSON.
 *
 * <p>It writes documents deeper than Jackson's default limit on writing: a stored value may be
 * {@link Storable#MAX_JSON_DEPTH} levels deep, and an answer wraps it in a few more ({@code
 * {"jobs": [{"args": ...}]}}), which must not turn a stored job into an internal error.
 */
public final class ApiJson {
  /** The levels an answer may add around a stored value. */
  private static final int ENVELOPE_DEPTH = 16;

  public static final ObjectMapper MAPPER = mapper();

  private static ObjectMapper mapper() {
    ObjectMapper mapper = Json.MAPPER.copy();
    mapper
        .getFactory()
        .setStreamWriteConstraints(
            StreamWriteConstraints.builder()
                .maxNestingDepth(Storable.MAX_JSON_DEPTH + ENVELOPE_DEPTH)
                .build());
    return mapper.registerModule(
        new SimpleModule("millrace-api")
            .addSerializer(
                JobState.class,
                new JsonSerializer<>() {
                  @Override
                  public void serialize(
                      JobState state, JsonGenerator gen, SerializerProvider provider)
                      throws IOException {
                    gen.writeString(state.dbValue());
                  }
                })
            // Lower case, as stored and as the OpenAPI document lists them.
            .addSerializer(
                MisfirePolicy.class,
                new JsonSerializer<>() {
                  @Override
                  public void serialize(
                      MisfirePolicy policy, JsonGenerator gen, SerializerProvider provider)
                      throws IOException {
                    gen.writeString(policy.name().toLowerCase(java.util.Locale.ROOT));
                  }
                }));
  }

  private ApiJson() {}
}
