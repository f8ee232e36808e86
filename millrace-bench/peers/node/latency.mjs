// Workload (b) of the side-by-side benchmark, as the Java harness's FixedRate does it: offer
// rate × seconds jobs at a fixed rate credited from real elapsed time (never loop counts), and time
// each job from just before the insert that carries it to its handler's start.

import { setTimeout as sleep } from "node:timers/promises";

/** The value at percentile p (0–100) of an ascending array, nearest rank. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export class FixedRate {
  constructor({ rate, seconds, warmUpPercent = 10 }) {
    this.rate = rate;
    this.jobs = Math.max(1, Math.round(rate * seconds));
    this.warmUp = Math.floor((this.jobs * warmUpPercent) / 100);
    this.stamps = new Float64Array(this.jobs);
    this.latencies = new Float64Array(this.jobs).fill(NaN);
    this.starts = new Uint32Array(this.jobs);
    this.completions = 0;
  }

  /** A handler started job `i` (its payload's index). */
  started(i) {
    if (this.starts[i]++ === 0) this.latencies[i] = performance.now() - this.stamps[i];
  }

  completed() {
    this.completions++;
  }

  /**
   * Offers every job through `enqueue(from, to)` (one batch call, at most `batchMax` jobs), every
   * `tickMs` what the clock says is owed; then waits for every completion or `cutoffS` seconds and
   * returns the figures. Jobs still unstarted at the cutoff count with the time waited so far.
   */
  async offer(enqueue, { tickMs = 10, batchMax = 128, cutoffS = 30 } = {}) {
    const start = performance.now();
    const end = start + (this.jobs / this.rate) * 1000;
    let produced = 0;
    let next = start;
    // Offers for the nominal duration at most: a system whose inserts cannot keep the rate offers
    // fewer jobs, and the figures say what rate it actually took.
    while (produced < this.jobs && performance.now() < end) {
      let owed;
      while ((owed = Math.min(this.jobs, Math.floor((this.rate * (performance.now() - start)) / 1000)) - produced) > 0) {
        const n = Math.min(owed, batchMax);
        const now = performance.now();
        this.stamps.fill(now, produced, produced + n);
        await enqueue(produced, produced + n);
        produced += n;
      }
      next += tickMs;
      const now = performance.now();
      if (next > now) await sleep(next - now);
      else next = now; // behind: the credit from the clock already carries the missed time
    }
    const offered = produced / ((performance.now() - start) / 1000);
    const deadline = performance.now() + cutoffS * 1000;
    while (this.completions < produced && performance.now() < deadline) await sleep(20);
    const cutoff = performance.now();
    let unstarted = 0;
    const counted = [];
    for (let i = 0; i < produced; i++) {
      if (this.starts[i] > 1) throw new Error(`job ${i} started ${this.starts[i]} times`);
      if (this.starts[i] === 0) unstarted++;
      if (i < this.warmUp) continue;
      counted.push(this.starts[i] === 0 ? cutoff - this.stamps[i] : this.latencies[i]);
    }
    counted.sort((a, b) => a - b);
    const round = (x) => Math.round(x * 100) / 100;
    return {
      offered_jobs_per_s: round(offered),
      p50_ms: round(percentile(counted, 50)),
      p95_ms: round(percentile(counted, 95)),
      p99_ms: round(percentile(counted, 99)),
      unstarted,
      completed: this.completions,
    };
  }
}
