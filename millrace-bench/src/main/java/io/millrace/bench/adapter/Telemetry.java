package io.millrace.bench.adapter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.time.Instant;
import java.util.List;

/**
 * The adapter's stdout: JSON lines and nothing else. One writer, each line written and flushed
 * under one lock, so lines from the sampler and the shutdown hook never interleave and a harness
 * reading the pipe sees every line as soon as it is complete.
 */
final class Telemetry {
  static final String SYSTEM = "millrace";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final PrintStream out;

  Telemetry(PrintStream out) {
    this.out = out;
  }

  void descriptor(
      List<String> eventTables,
      String version,
      String schemaVersion,
      String dbName,
      Instant startedAt) {
    ObjectNode line = MAPPER.createObjectNode();
    line.put("kind", "descriptor");
    line.put("system", SYSTEM);
    eventTables.forEach(line.putArray("event_tables")::add);
    line.putArray("extensions");
    line.put("version", version);
    line.put("schema_version", schemaVersion);
    line.put("db_name", dbName);
    line.put("started_at", startedAt.toString());
    write(line);
  }

  void metric(Instant t, String metric, double value, int windowSeconds, int instanceId) {
    ObjectNode line = MAPPER.createObjectNode();
    line.put("t", t.toString());
    line.put("system", SYSTEM);
    line.put("kind", "adapter");
    line.put("subject_kind", "adapter");
    line.put("subject", "");
    line.put("metric", metric);
    line.put("value", value);
    line.put("window_s", windowSeconds);
    line.put("instance_id", instanceId);
    write(line);
  }

  private synchronized void write(ObjectNode line) {
    try {
      out.print(MAPPER.writeValueAsString(line) + "\n");
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("telemetry line not serialisable", e);
    }
    out.flush();
  }
}
