package io.millrace.bench.adapter;

import io.millrace.bench.DatabaseUrl;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The adapter's settings, read from the environment the benchmark harness sets. Every value is
 * checked here and a bad one is reported with its variable's name, before anything connects.
 *
 * @param database {@code DATABASE_URL}: {@code postgres://user:pass@host:port/db} or {@code
 *     jdbc:postgresql://...}
 * @param scenario {@code SCENARIO}: only {@code long_horizon} (steady load for as long as the
 *     harness runs us)
 * @param producerMode {@code PRODUCER_MODE}: {@code fixed} (offered load at a rate) or {@code
 *     depth-target}
 * @param producerRate {@code PRODUCER_RATE}: jobs/s offered in fixed mode (required there)
 * @param producerBatchMax {@code PRODUCER_BATCH_MAX}: most jobs per enqueue statement; default 128
 * @param producerBatchMs {@code PRODUCER_BATCH_MS}: the producer's cycle; default 20 ms
 * @param targetDepth {@code TARGET_DEPTH}: unfinished jobs to keep in depth-target mode (required
 *     there)
 * @param workerCount {@code WORKER_COUNT}: handlers running at once on this instance (required)
 * @param payloadBytes {@code JOB_PAYLOAD_BYTES}: size the job's JSON args are padded to; default
 *     256
 * @param workMs {@code JOB_WORK_MS}: how long each handler sleeps; default 1 ms
 * @param sampleEverySeconds {@code SAMPLE_EVERY_S}: telemetry period, aligned to the wall clock;
 *     default 5 s
 * @param instanceId {@code BENCH_INSTANCE_ID}: this process among several; default 0 (the one that
 *     reports depth)
 */
record AdapterConfig(
    DatabaseUrl database,
    String scenario,
    ProducerMode producerMode,
    double producerRate,
    int producerBatchMax,
    int producerBatchMs,
    long targetDepth,
    int workerCount,
    int payloadBytes,
    int workMs,
    int sampleEverySeconds,
    int instanceId) {

  static final Set<String> SCENARIOS = Set.of("long_horizon");

  enum ProducerMode {
    FIXED,
    DEPTH_TARGET
  }

  /** A setting the harness got wrong; the message names the variable. */
  static final class InvalidSetting extends RuntimeException {
    InvalidSetting(String message) {
      super(message);
    }
  }

  static AdapterConfig fromEnvironment(Map<String, String> env) {
    DatabaseUrl database;
    try {
      database = DatabaseUrl.parse("DATABASE_URL", env.get("DATABASE_URL"));
    } catch (IllegalArgumentException e) {
      throw new InvalidSetting(String.valueOf(e.getMessage()));
    }
    String scenario = required(env, "SCENARIO");
    if (!SCENARIOS.contains(scenario)) {
      throw new InvalidSetting(
          "SCENARIO '" + scenario + "' is not supported; supported: " + SCENARIOS);
    }
    String mode = required(env, "PRODUCER_MODE");
    ProducerMode producerMode =
        switch (mode) {
          case "fixed" -> ProducerMode.FIXED;
          case "depth-target" -> ProducerMode.DEPTH_TARGET;
          default ->
              throw new InvalidSetting(
                  "PRODUCER_MODE must be 'fixed' or 'depth-target', got '" + mode + "'");
        };
    double rate = 0;
    long depth = 0;
    if (producerMode == ProducerMode.FIXED) {
      rate = decimal(env, "PRODUCER_RATE", null, 0.001, 10_000_000);
    } else {
      depth = (long) decimal(env, "TARGET_DEPTH", null, 1, 100_000_000);
    }
    return new AdapterConfig(
        database,
        scenario,
        producerMode,
        rate,
        integer(env, "PRODUCER_BATCH_MAX", 128, 1, 10_000),
        integer(env, "PRODUCER_BATCH_MS", 20, 1, 60_000),
        depth,
        integer(env, "WORKER_COUNT", null, 1, 10_000),
        integer(env, "JOB_PAYLOAD_BYTES", 256, 0, 1024 * 1024),
        integer(env, "JOB_WORK_MS", 1, 0, 600_000),
        integer(env, "SAMPLE_EVERY_S", 5, 1, 3600),
        integer(env, "BENCH_INSTANCE_ID", 0, 0, 1_000_000));
  }

  private static String required(Map<String, String> env, String name) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      throw new InvalidSetting(name + " is not set");
    }
    return value.strip();
  }

  private static int integer(
      Map<String, String> env, String name, @Nullable Integer fallback, int min, int max) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      if (fallback == null) {
        throw new InvalidSetting(name + " is not set (an integer from " + min + " to " + max + ")");
      }
      return fallback;
    }
    int parsed;
    try {
      parsed = Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw new InvalidSetting(name + " must be an integer, got '" + value + "'");
    }
    if (parsed < min || parsed > max) {
      throw new InvalidSetting(name + " must be from " + min + " to " + max + ", got " + parsed);
    }
    return parsed;
  }

  private static double decimal(
      Map<String, String> env, String name, @Nullable Double fallback, double min, double max) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      if (fallback == null) {
        throw new InvalidSetting(name + " is not set (a number from " + min + " to " + max + ")");
      }
      return fallback;
    }
    double parsed;
    try {
      parsed = Double.parseDouble(value.strip());
    } catch (NumberFormatException e) {
      throw new InvalidSetting(name + " must be a number, got '" + value + "'");
    }
    if (!(parsed >= min && parsed <= max)) {
      throw new InvalidSetting(
          name + " must be from " + min + " to " + max + ", got " + value.strip());
    }
    return parsed;
  }
}
