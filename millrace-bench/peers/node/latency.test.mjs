import { test } from "node:test";
import assert from "node:assert/strict";
import { FixedRate, percentile } from "./latency.mjs";

test("percentile takes the nearest rank", () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(values, 50), 50);
  assert.equal(percentile(values, 99), 99);
  assert.equal(percentile(values, 100), 100);
  assert.equal(percentile([7], 95), 7);
});

test("offer enqueues every job once, in order, and counts the unstarted ones", async () => {
  const run = new FixedRate({ rate: 2000, seconds: 0.1, warmUpPercent: 0 });
  const seen = [];
  const figures = await run.offer(async (from, to) => {
    for (let i = from; i < to; i++) {
      seen.push(i);
      if (i % 2 === 0) { run.started(i); run.completed(i); }
    }
  }, { tickMs: 5, batchMax: 16, cutoffS: 0.05 });
  // Offered for 0.1 s at most: up to 200 jobs, each once and in order.
  assert.ok(seen.length > 0 && seen.length <= 200);
  assert.deepEqual(seen, Array.from({ length: seen.length }, (_, i) => i));
  const started = Math.ceil(seen.length / 2);
  assert.equal(figures.unstarted, seen.length - started);
  assert.equal(figures.completed, started);
  assert.ok(figures.p99_ms >= figures.p50_ms);
});
