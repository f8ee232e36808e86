// node --test: the adapter's settings and latency window, without a database.
import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidSetting, LatencyWindow, parseConfig } from "./adapter-config.mjs";

const base = {
  DATABASE_URL: "postgres://u:p@localhost:5432/db",
  SCENARIO: "long_horizon",
  PRODUCER_MODE: "fixed",
  PRODUCER_RATE: "500",
  WORKER_COUNT: "16",
};

test("the Millrace adapter's defaults apply", () => {
  const c = parseConfig(base);
  assert.equal(c.producerRate, 500);
  assert.equal(c.producerBatchMax, 128);
  assert.equal(c.producerBatchMs, 20);
  assert.equal(c.payloadBytes, 256);
  assert.equal(c.workMs, 1);
  assert.equal(c.sampleEverySeconds, 5);
  assert.equal(c.instanceId, 0);
});

test("depth-target needs TARGET_DEPTH, fixed needs PRODUCER_RATE", () => {
  assert.throws(() => parseConfig({ ...base, PRODUCER_MODE: "depth-target" }), /TARGET_DEPTH is not set/);
  assert.equal(parseConfig({ ...base, PRODUCER_MODE: "depth-target", TARGET_DEPTH: "20000" }).targetDepth, 20000);
  const { PRODUCER_RATE, ...noRate } = base;
  assert.throws(() => parseConfig(noRate), /PRODUCER_RATE is not set/);
});

test("a bad value names its variable", () => {
  assert.throws(() => parseConfig({ ...base, WORKER_COUNT: "0" }), (e) => e instanceof InvalidSetting && /WORKER_COUNT must be from 1/.test(e.message));
  assert.throws(() => parseConfig({ ...base, JOB_WORK_MS: "1.5" }), /JOB_WORK_MS must be an integer/);
  assert.throws(() => parseConfig({ ...base, SCENARIO: "burst" }), /SCENARIO 'burst' is not supported/);
  assert.throws(() => parseConfig({ ...base, DATABASE_URL: "mysql://x" }), /DATABASE_URL must start/);
});

test("the latency window keeps the last 30 seconds only", () => {
  const w = new LatencyWindow();
  assert.equal(w.percentiles(100), null);
  w.record(1000, 60); // falls out of the window ending at second 100
  for (let i = 1; i <= 100; i++) w.record(i, 90);
  const p = w.percentiles(100);
  assert.deepEqual(p, { p50: 50, p95: 95, p99: 99 });
  assert.equal(w.percentiles(130), null);
});
