// The settings and the latency window of adapter.mjs, kept apart from any database so that
// `node --test` can check them. The variable names, defaults and bounds are those of the Millrace
// adapter (io.millrace.bench.adapter.AdapterConfig), so one harness drives both the same way.

export class InvalidSetting extends Error {}

export const WINDOW_S = 30;

function required(env, name) {
  const value = env[name];
  if (value === undefined || value.trim() === "") throw new InvalidSetting(`${name} is not set`);
  return value.trim();
}

function number(env, name, fallback, min, max, integer) {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") {
    if (fallback === undefined) {
      throw new InvalidSetting(`${name} is not set (${integer ? "an integer" : "a number"} from ${min} to ${max})`);
    }
    return fallback;
  }
  const parsed = Number(raw.trim());
  if (Number.isNaN(parsed) || (integer && !Number.isInteger(parsed))) {
    throw new InvalidSetting(`${name} must be ${integer ? "an integer" : "a number"}, got '${raw}'`);
  }
  if (!(parsed >= min && parsed <= max)) {
    throw new InvalidSetting(`${name} must be from ${min} to ${max}, got ${raw.trim()}`);
  }
  return parsed;
}

/** Reads and checks every setting; a bad one throws InvalidSetting naming its variable. */
export function parseConfig(env) {
  const url = required(env, "DATABASE_URL");
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new InvalidSetting("DATABASE_URL must start with postgres:// or postgresql://");
  }
  const scenario = required(env, "SCENARIO");
  if (scenario !== "long_horizon") {
    throw new InvalidSetting(`SCENARIO '${scenario}' is not supported; supported: [long_horizon]`);
  }
  const mode = required(env, "PRODUCER_MODE");
  if (mode !== "fixed" && mode !== "depth-target") {
    throw new InvalidSetting(`PRODUCER_MODE must be 'fixed' or 'depth-target', got '${mode}'`);
  }
  return {
    databaseUrl: url,
    scenario,
    producerMode: mode,
    producerRate: mode === "fixed" ? number(env, "PRODUCER_RATE", undefined, 0.001, 10_000_000, false) : 0,
    targetDepth: mode === "depth-target" ? Math.floor(number(env, "TARGET_DEPTH", undefined, 1, 100_000_000, false)) : 0,
    producerBatchMax: number(env, "PRODUCER_BATCH_MAX", 128, 1, 10_000, true),
    producerBatchMs: number(env, "PRODUCER_BATCH_MS", 20, 1, 60_000, true),
    workerCount: number(env, "WORKER_COUNT", undefined, 1, 10_000, true),
    payloadBytes: number(env, "JOB_PAYLOAD_BYTES", 256, 0, 1024 * 1024, true),
    workMs: number(env, "JOB_WORK_MS", 1, 0, 600_000, true),
    sampleEverySeconds: number(env, "SAMPLE_EVERY_S", 5, 1, 3600, true),
    instanceId: number(env, "BENCH_INSTANCE_ID", 0, 0, 1_000_000, true),
  };
}

/** The value at percentile p (0–100) of an ascending array, nearest rank. */
function percentile(sorted, p) {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/**
 * Insert-to-start latencies (ms) over the last WINDOW_S whole seconds: one array per second in a
 * ring, so memory follows the rate, not the run's length.
 */
export class LatencyWindow {
  constructor() {
    this.slots = new Map(); // epoch second -> latencies recorded in it
  }

  record(ms, epochSecond = Math.floor(Date.now() / 1000)) {
    let slot = this.slots.get(epochSecond);
    if (slot === undefined) {
      slot = [];
      this.slots.set(epochSecond, slot);
    }
    slot.push(Math.max(0, ms));
  }

  /** p50/p95/p99 over the seconds (lastSecond - WINDOW_S, lastSecond]; null when none started. */
  percentiles(lastSecond) {
    for (const second of this.slots.keys()) {
      if (second <= lastSecond - WINDOW_S) this.slots.delete(second);
    }
    const values = [];
    for (const [second, slot] of this.slots) {
      if (second <= lastSecond) for (const v of slot) values.push(v);
    }
    if (values.length === 0) return null;
    values.sort((a, b) => a - b);
    return { p50: percentile(values, 50), p95: percentile(values, 95), p99: percentile(values, 99) };
  }
}
