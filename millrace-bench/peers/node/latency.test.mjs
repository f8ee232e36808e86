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
  assert.deepEqual(seen, Array.from({ length: 200 }, (_, i) => i));
  assert.equal(figures.unstarted, 100);
  assert.equal(figures.completed, 100);
  assert.ok(figures.p99_ms >= figures.p50_ms);
});
