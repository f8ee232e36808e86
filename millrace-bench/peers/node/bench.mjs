#!/usr/bin/env node
// Node.js peers of the Millrace side-by-side benchmark: graphile-worker and pg-boss on the same
// PostgreSQL, measured the same way. The Java harness runs this as a subprocess:
//
//   DATABASE_URL=postgres://user:pass@host:port/db \
//     node bench.mjs --system graphile-worker|pg-boss --jobs N --workers W --work-ms M
//
// It installs the system's schema (in a schema of its own, dropped first), bulk-enqueues N jobs
// with the system's batch API (enqueue jobs/s), then drains them with W concurrent workers that
// each spend M ms per job in a timer (drain jobs/s, from worker start to the moment the database
// holds every job as done). Every job carries its index; the drain must run each exactly once.
//
// With --mode latency --rate R --seconds S it instead starts W workers on an empty queue and offers
// R jobs/s for S seconds (latency.mjs), reporting insert -> handler start p50/p95/p99.
//
// stdout gets exactly one JSON line; everything else goes to stderr. Exit status 1 on any failure,
// 2 on bad arguments.

import { createRequire } from "node:module";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { Ledger } from "./ledger.mjs";
import { FixedRate } from "./latency.mjs";

const require = createRequire(import.meta.url);

const USAGE = `usage: node bench.mjs --system graphile-worker|pg-boss --jobs N --workers W --work-ms M
       node bench.mjs --system graphile-worker|pg-boss --mode latency --rate R --seconds S --workers W --work-ms M
  [--mode throughput|latency] throughput (default): bulk enqueue then drain of N jobs;
                        latency: W workers on an empty queue, R jobs/s offered for S seconds,
                        insert -> handler start p50/p95/p99
  [--cutoff-s C] [--warm-up-percent P] [--tick-ms T] [--batch-max B]  latency mode (30, 10, 10, 128)
  [--enqueue-chunk C]   jobs per batch-enqueue call (default 5000)
  [--timeout-s S]       give up on the drain after S seconds (default 600)
  graphile-worker: [--poll-ms P] (default 100) [--local-queue L] (default 500; -1 turns it off)
                   [--complete-batch-ms D] (default 50; -1 turns batching off)
  pg-boss:         [--batch-size B] (default 100, at most ceil(N/W))
                   [--poll-s S] (default 0.5, its minimum)
env: DATABASE_URL=postgres://user:pass@host:port/db`;

class UsageError extends Error {}

function log(...parts) {
  process.stderr.write(`[bench ${new Date().toISOString()}] ${parts.join(" ")}\n`);
}

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--help" || flag === "-h") {
      throw new UsageError("");
    }
    if (!flag.startsWith("--") || i + 1 >= argv.length) {
      throw new UsageError(`unexpected argument '${flag}'`);
    }
    args[flag.slice(2)] = argv[++i];
  }
  const known = new Set(["system", "jobs", "workers", "work-ms", "enqueue-chunk", "timeout-s",
    "poll-ms", "local-queue", "complete-batch-ms", "batch-size", "poll-s",
    "mode", "rate", "seconds", "cutoff-s", "warm-up-percent", "tick-ms", "batch-max"]);
  for (const key of Object.keys(args)) {
    if (!known.has(key)) throw new UsageError(`unknown option --${key}`);
  }
  const int = (name, fallback, min) => {
    const raw = args[name];
    if (raw === undefined) {
      if (fallback === undefined) throw new UsageError(`--${name} is required`);
      return fallback;
    }
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got '${raw}'`);
    return n;
  };
  const system = args.system;
  if (system !== "graphile-worker" && system !== "pg-boss") {
    throw new UsageError(`--system must be graphile-worker or pg-boss, got '${system ?? ""}'`);
  }
  const mode = args.mode ?? "throughput";
  if (mode !== "throughput" && mode !== "latency") {
    throw new UsageError(`--mode must be throughput or latency, got '${mode}'`);
  }
  let rate = 0;
  let seconds = 0;
  if (mode === "latency") {
    rate = Number(args.rate);
    if (!(rate > 0)) throw new UsageError(`--rate must be a positive number of jobs/s, got '${args.rate ?? ""}'`);
    seconds = int("seconds", undefined, 1);
  }
  const jobs = mode === "latency" ? Math.max(1, Math.round(rate * seconds)) : int("jobs", undefined, 1);
  const workers = int("workers", undefined, 1);
  const workMs = int("work-ms", undefined, 0);
  const pollS = args["poll-s"] === undefined ? 0.5 : Number(args["poll-s"]);
  if (!(pollS >= 0.5)) throw new UsageError(`--poll-s must be a number >= 0.5 (pg-boss's minimum), got '${args["poll-s"]}'`);
  const perWorker = Math.ceil(jobs / workers);
  return {
    system, mode, jobs, workers, workMs, rate, seconds,
    cutoffS: int("cutoff-s", 30, 1),
    warmUpPercent: int("warm-up-percent", 10, 0),
    tickMs: int("tick-ms", 10, 1),
    batchMax: int("batch-max", 128, 1),
    enqueueChunk: int("enqueue-chunk", 5000, 1),
    timeoutS: int("timeout-s", 600, 1),
    pollMs: int("poll-ms", 100, 1),
    localQueue: int("local-queue", 500, -1),
    completeBatchMs: int("complete-batch-ms", 50, -1),
    pollS,
    batchSize: int("batch-size", Math.min(100, perWorker), 1),
  };
}

function databaseUrl() {
  const url = process.env.DATABASE_URL;
  if (!url) throw new UsageError("DATABASE_URL is not set: give postgres://user:pass@host:port/db");
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new UsageError(`DATABASE_URL must start with postgres:// or postgresql://, got '${url.replace(/:\/\/([^:/@]*):[^@]*@/, "://$1:***@")}'`);
  }
  return url;
}

function versionOf(pkg) {
  return require(`${pkg}/package.json`).version;
}

async function dropSchema(pool, schema) {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

function withTimeout(promise, seconds, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${seconds} s`)), seconds * 1000);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls until `remaining()` is 0: the database, not the handler, says when a job is done. */
async function untilNoneRemain(remaining) {
  for (;;) {
    const n = await remaining();
    if (n === 0) return;
    await sleep(10);
  }
}

async function enqueueInChunks(opts, addChunk) {
  const started = performance.now();
  for (let from = 0; from < opts.jobs; from += opts.enqueueChunk) {
    const to = Math.min(opts.jobs, from + opts.enqueueChunk);
    await addChunk(from, to);
  }
  const seconds = (performance.now() - started) / 1000;
  return opts.jobs / seconds;
}

async function benchGraphileWorker(opts, url, admin) {
  const gw = await import("graphile-worker");
  const schema = "bench_graphile_worker";
  // Its default logger writes a line per job to stdout; keep stdout for the result and leave the
  // per-job lines out (writing them would also cost throughput).
  const logger = new gw.Logger(() => (level, message) => {
    if (level === "debug" || (level === "info" && message.startsWith("Completed task"))) return;
    log(`graphile-worker ${level}: ${message}`);
  });
  const shared = { connectionString: url, schema, logger };

  await dropSchema(admin, schema);
  await gw.runMigrations(shared);
  log(`graphile-worker schema ${schema} installed`);

  const utils = await gw.makeWorkerUtils(shared);
  let enqueueRate;
  try {
    enqueueRate = await enqueueInChunks(opts, (from, to) => {
      const specs = [];
      for (let i = from; i < to; i++) specs.push({ identifier: "bench", payload: { i } });
      return utils.addJobs(specs);
    });
  } finally {
    await utils.release();
  }
  const queued = Number((await admin.query(`SELECT count(*) FROM "${schema}"._private_jobs`)).rows[0].count);
  if (queued !== opts.jobs) throw new Error(`enqueued ${opts.jobs} jobs but graphile-worker holds ${queued}`);
  log(`graphile-worker enqueued ${opts.jobs} jobs: ${enqueueRate.toFixed(0)} jobs/s`);

  const ledger = new Ledger(opts.jobs);
  const workMs = opts.workMs;
  const started = performance.now();
  // Its docs: a pool of at least concurrency + 2 (and at least 10) so no job waits for a client.
  const runner = await gw.run(graphileRunnerOptions(opts, shared, async (payload) => {
    await sleep(workMs);
    ledger.record(payload);
  }));
  let drainRate;
  try {
    await withTimeout((async () => {
      await ledger.whenAll;
      // A job is done when graphile-worker has deleted its row (completion may be batched).
      await untilNoneRemain(async () =>
        Number((await admin.query(`SELECT count(*) FROM "${schema}"._private_jobs`)).rows[0].count));
    })(), opts.timeoutS, "the graphile-worker drain");
    drainRate = opts.jobs / ((performance.now() - started) / 1000);
  } finally {
    await runner.stop();
  }
  const completed = ledger.verify();
  log(`graphile-worker drained ${completed} jobs: ${drainRate.toFixed(0)} jobs/s`);
  return { version: versionOf("graphile-worker"), enqueueRate, drainRate, completed };
}

/** graphile-worker's runner as the throughput run tunes it, running `handle(payload)` per job. */
function graphileRunnerOptions(opts, shared, handle) {
  return {
    ...shared,
    concurrency: opts.workers,
    pollInterval: opts.pollMs,
    maxPoolSize: Math.max(10, opts.workers + 2),
    noHandleSignals: true,
    parsedCronItems: [],
    taskList: { bench: handle },
    preset: {
      worker: {
        ...(opts.localQueue > 1 ? { localQueue: { size: opts.localQueue } } : {}),
        completeJobBatchDelay: opts.completeBatchMs,
        failJobBatchDelay: opts.completeBatchMs,
      },
    },
  };
}

/** Workload (b) for graphile-worker: its runner started on an empty queue, then the fixed-rate offer. */
async function latencyGraphileWorker(opts, url, admin) {
  const gw = await import("graphile-worker");
  const schema = "bench_graphile_worker";
  const logger = new gw.Logger(() => (level, message) => {
    if (level === "debug" || (level === "info" && message.startsWith("Completed task"))) return;
    log(`graphile-worker ${level}: ${message}`);
  });
  const shared = { connectionString: url, schema, logger };
  await dropSchema(admin, schema);
  await gw.runMigrations(shared);
  const run = new FixedRate(opts);
  const runner = await gw.run(graphileRunnerOptions(opts, shared, async (payload) => {
    run.started(payload.i);
    await sleep(opts.workMs);
    run.completed(payload.i);
  }));
  const utils = await gw.makeWorkerUtils(shared);
  try {
    const figures = await run.offer((from, to) => {
      const specs = [];
      for (let i = from; i < to; i++) specs.push({ identifier: "bench", payload: { i } });
      return utils.addJobs(specs);
    }, opts);
    return { version: versionOf("graphile-worker"), ...figures };
  } finally {
    await utils.release();
    await runner.stop();
  }
}

/** Workload (b) for pg-boss: W workers on an empty queue, then the fixed-rate offer. */
async function latencyPgBoss(opts, url, admin) {
  const { default: PgBoss } = await import("pg-boss");
  const schema = "bench_pgboss";
  const queue = "bench";
  await dropSchema(admin, schema);
  const boss = new PgBoss({ connectionString: url, schema, max: opts.workers + 4, schedule: false });
  boss.on("error", (error) => log(`pg-boss error: ${error.message}`));
  await boss.start();
  try {
    await boss.createQueue(queue);
    const run = new FixedRate(opts);
    for (let w = 0; w < opts.workers; w++) {
      await boss.work(queue, { batchSize: opts.batchSize, pollingIntervalSeconds: opts.pollS }, async (jobs) => {
        for (const job of jobs) {
          run.started(job.data.i);
          await sleep(opts.workMs);
          run.completed(job.data.i);
        }
      });
    }
    try {
      const figures = await run.offer((from, to) => {
        const jobs = [];
        for (let i = from; i < to; i++) jobs.push({ name: queue, data: { i } });
        return boss.insert(jobs);
      }, opts);
      return { version: versionOf("pg-boss"), ...figures };
    } finally {
      await boss.offWork(queue);
    }
  } finally {
    await boss.stop({ graceful: true, wait: true, timeout: 10000 });
  }
}

async function benchPgBoss(opts, url, admin) {
  const { default: PgBoss } = await import("pg-boss");
  const schema = "bench_pgboss";
  const queue = "bench";

  await dropSchema(admin, schema);
  const boss = new PgBoss({
    connectionString: url,
    schema,
    // One client per worker plus room for inserts, completions and its own maintenance.
    max: opts.workers + 4,
    schedule: false,
  });
  boss.on("error", (error) => log(`pg-boss error: ${error.message}`));
  await boss.start();
  try {
    await boss.createQueue(queue);
    log(`pg-boss schema ${schema} installed, queue ${queue} created`);

    const enqueueRate = await enqueueInChunks(opts, (from, to) => {
      const jobs = [];
      for (let i = from; i < to; i++) jobs.push({ name: queue, data: { i } });
      return boss.insert(jobs);
    });
    const queued = Number((await admin.query(`SELECT count(*) FROM "${schema}".job WHERE name = $1`, [queue])).rows[0].count);
    if (queued !== opts.jobs) throw new Error(`enqueued ${opts.jobs} jobs but pg-boss holds ${queued}`);
    log(`pg-boss enqueued ${opts.jobs} jobs: ${enqueueRate.toFixed(0)} jobs/s`);

    const ledger = new Ledger(opts.jobs);
    const workMs = opts.workMs;
    log(`pg-boss drain: ${opts.workers} workers, batchSize ${opts.batchSize}, pollingIntervalSeconds ${opts.pollS}`);
    const started = performance.now();
    // W workers, each fetching a batch and running its jobs one after another, so at most W jobs
    // are being worked at once, as with the other systems.
    for (let w = 0; w < opts.workers; w++) {
      await boss.work(queue, { batchSize: opts.batchSize, pollingIntervalSeconds: opts.pollS }, async (jobs) => {
        for (const job of jobs) {
          await sleep(workMs);
          ledger.record(job.data);
        }
      });
    }
    let drainRate;
    try {
      await withTimeout((async () => {
        await ledger.whenAll;
        // pg-boss completes a batch after its handler returns without awaiting it: wait for the rows.
        await untilNoneRemain(async () => Number((await admin.query(
          `SELECT count(*) FROM "${schema}".job WHERE name = $1 AND state <> 'completed'`, [queue])).rows[0].count));
      })(), opts.timeoutS, "the pg-boss drain");
      drainRate = opts.jobs / ((performance.now() - started) / 1000);
    } finally {
      await boss.offWork(queue);
    }
    const completed = ledger.verify();
    log(`pg-boss drained ${completed} jobs: ${drainRate.toFixed(0)} jobs/s`);
    return { version: versionOf("pg-boss"), enqueueRate, drainRate, completed };
  } finally {
    await boss.stop({ graceful: true, wait: true, timeout: 10000 });
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const url = databaseUrl();
  const admin = new pg.Pool({ connectionString: url, max: 2 });
  admin.on("error", (error) => log(`admin pool error: ${error.message}`));
  let result;
  if (opts.mode === "latency") {
    try {
      log(`${opts.system}: latency, ${opts.rate} jobs/s for ${opts.seconds} s, ${opts.workers} workers, ${opts.workMs} ms of work each`);
      result = opts.system === "graphile-worker"
        ? await latencyGraphileWorker(opts, url, admin)
        : await latencyPgBoss(opts, url, admin);
    } finally {
      await admin.end();
    }
    process.stdout.write(JSON.stringify({
      system: opts.system, mode: "latency", workers: opts.workers, work_ms: opts.workMs, ...result,
    }) + "\n");
    return;
  }
  try {
    log(`${opts.system}: ${opts.jobs} jobs, ${opts.workers} workers, ${opts.workMs} ms of work each`);
    result = opts.system === "graphile-worker"
      ? await benchGraphileWorker(opts, url, admin)
      : await benchPgBoss(opts, url, admin);
  } finally {
    await admin.end();
  }
  const round = (x) => Math.round(x * 10) / 10;
  process.stdout.write(JSON.stringify({
    system: opts.system,
    version: result.version,
    jobs: opts.jobs,
    workers: opts.workers,
    work_ms: opts.workMs,
    enqueue_jobs_per_s: round(result.enqueueRate),
    drain_jobs_per_s: round(result.drainRate),
    completed: result.completed,
  }) + "\n");
}

main().then(
  // Libraries may keep timers or sockets open after stopping; the measurement is done.
  () => process.exit(0),
  (error) => {
    if (error instanceof UsageError) {
      process.stderr.write((error.message ? `bench.mjs: ${error.message}\n` : "") + USAGE + "\n");
      process.exit(2);
    }
    process.stderr.write(`bench.mjs: FAILED: ${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
