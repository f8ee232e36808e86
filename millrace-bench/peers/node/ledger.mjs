// Which job indexes a drain completed, and how often: the exactly-once check of bench.mjs.

/** The per-index run counts; throws unless every job ran exactly once. */
export class Ledger {
  constructor(jobs) {
    this.counts = new Uint32Array(jobs);
    this.done = 0;
    this.bad = [];
    this.whenAll = new Promise((resolve) => { this.resolveAll = resolve; });
  }

  record(payload) {
    const i = payload?.i;
    if (!Number.isInteger(i) || i < 0 || i >= this.counts.length) {
      this.bad.push(JSON.stringify(payload));
      return;
    }
    this.counts[i]++;
    if (++this.done === this.counts.length) this.resolveAll();
  }

  verify() {
    let missing = 0, duplicated = 0, firstMissing = -1, firstDuplicated = -1;
    for (let i = 0; i < this.counts.length; i++) {
      if (this.counts[i] === 0) { missing++; if (firstMissing < 0) firstMissing = i; }
      else if (this.counts[i] > 1) { duplicated++; if (firstDuplicated < 0) firstDuplicated = i; }
    }
    const problems = [];
    if (missing) problems.push(`${missing} job(s) never completed (first: index ${firstMissing})`);
    if (duplicated) problems.push(`${duplicated} job(s) completed more than once (first: index ${firstDuplicated}, ${this.counts[firstDuplicated]} times)`);
    if (this.bad.length) problems.push(`${this.bad.length} job(s) with an unknown payload (first: ${this.bad[0]})`);
    if (problems.length) throw new Error(`drain did not complete every job exactly once: ${problems.join("; ")}`);
    return this.counts.length;
  }
}
