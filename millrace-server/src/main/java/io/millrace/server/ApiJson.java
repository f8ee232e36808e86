package io.millrace.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.millrace.base.Json;
import io.millrace.jobs.JobState;
import java.io.IOException;

/**
 * The API's JSON: core's mapper (ISO-8601 instants) with job states written as they are stored and
 * filtered on ({@code completed}, not {@code COMPLETED}), so a state read from a response can be
 * passed straight back as {@code ?state=}. The CLI prints its {@code --json} output with it too, so
 * both speak the same JSON.
 */
public final class ApiJson {
  public static final ObjectMapper MAPPER =
      Json.MAPPER
          .copy()
          .registerModule(
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
                      }));

  private ApiJson() {}
}
