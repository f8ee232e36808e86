#!/usr/bin/env node
// graphile-worker behind the JSONL protocol of cross-system PostgreSQL queue benchmarks, the same
// protocol as Millrace's adapter (io.millrace.bench.adapter.Adapter): a long-running process
// configured by environment variables (adapter-config.mjs; the same names, defaults and bounds)
// that produces jobs, works them with graphile-worker's public API and reports telemetry.
//
//   DATABASE_URL=postgres://user:pass@host:port/db SCENARIO=long_horizon PRODUCER_MODE=fixed \
//     PRODUCER_RATE=1000 WORKER_COUNT=16 SAMPLE_EVERY_S=5 node adapter.mjs
//
// stdout carries JSON lines only: one descriptor line, then at every multiple of SAMPLE_EVERY_S
// seconds since the epoch one line per metric: claim_p50_ms/claim_p95_ms/claim_p99_ms (enqueue →
// handler start over the last 30 s, window_s 30, omitted while none started), enqueue_rate and
// completion_rate (jobs/s since the previous sample), queue_depth (instance 0 only). Logs go to
// stderr. Exit codes: 0 after SIGTERM (producer stopped, final sample written, runner stopped,
// within 5 s); 2 for a bad setting, named on stderr; 1 if start-up fails.
//
// graphile-worker runs with the settings of the side-by-side harness (bench.mjs): concurrency =
// WORKER_COUNT, a pool of max(10, W + 2), local queue of 500, completions batched every 50 ms,
// a 100 ms poll (new jobs arrive by LISTEN/NOTIFY anyway). Jobs are task `bench` in the schema
// `graphile_worker`, enqueued with addJobs in batches of at most PRODUCER_BATCH_MAX.

import { createRequire } from "node:module";
import { setTimeout as sleep } from "node:timers/promises";
import { InvalidSetting, LatencyWindow, WINDOW_S, parseConfig } from "./adapter-config.mjs";

const require = createRequire(import.meta.url);
const SYSTEM = "graphile-worker";
const SCHEMA = "graphile_worker";
const EVENT_TABLES = [`${SCHEMA}._private_jobs`, `${SCHEMA}._private_job_queues`, `${SCHEMA}._private_tasks`];
const EXIT_DEADLINE_MS = 4_500;

function log(message) {
  process.stderr.write(`[graphile-worker adapter ${new Date().toISOString()}] ${message}\n`);
}

function writeLine(object) {
  process.stdout.write(JSON.stringify(object) + "\n");
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable within this process. */
function nowMs() {
  return performance.timeOrigin + performance.now();
}

class Telemetry {
  constructor(instanceId) {
    this.instanceId = instanceId;
  }

  descriptor(version, schemaVersion, dbName) {
    writeLine({
      kind: "descriptor",
      system: SYSTEM,
      event_tables: EVENT_TABLES,
      extensions: [],
      version,
      schema_version: schemaVersion,
      db_name: dbName,
      started_at: new Date().toISOString(),
    });
  }

  metric(t, metric, value, windowS) {
    writeLine({
      t: t.toISOString().replace(/\.000Z$/, "Z"),
      system: SYSTEM,
      kind: "adapter",
      subject_kind: "adapter",
      subject: "",
      metric,
      value,
      window_s: windowS,
      instance_id: this.instanceId,
    });
  }
}

async function main() {
  let config;
  try {
    config = parseConfig(process.env);
  } catch (error) {
    if (error instanceof InvalidSetting) {
      process.stderr.write(`graphile-worker adapter: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const gw = await import("graphile-worker");
  const logger = new gw.Logger(() => (level, message) => {
    if (level === "debug" || (level === "info" && message.startsWith("Completed task"))) return;
    log(`${level}: ${message}`);
  });
  const shared = { connectionString: config.databaseUrl, schema: SCHEMA, logger };
  await gw.runMigrations(shared);
  const utils = await gw.makeWorkerUtils(shared);
  const query = async (sql) => (await utils.withPgClient((client) => client.query(sql))).rows[0];
  const schemaVersion = String((await query(`SELECT max(id) AS v FROM ${SCHEMA}.migrations`)).v);
  const dbName = (await query("SELECT current_database() AS d")).d;
  const queueDepth = async () => Number((await query(`SELECT count(*) AS n FROM ${SCHEMA}._private_jobs`)).n);

  const telemetry = new Telemetry(config.instanceId);
  telemetry.descriptor(require("graphile-worker/package.json").version, schemaVersion, dbName);

  const latency = new LatencyWindow();
  let enqueued = 0;
  let completed = 0;
  const workMs = config.workMs;
  const runner = await gw.run({
    ...shared,
    concurrency: config.workerCount,
    pollInterval: 100,
    maxPoolSize: Math.max(10, config.workerCount + 2),
    noHandleSignals: true,
    parsedCronItems: [],
    taskList: {
      bench: async (payload) => {
        latency.record(nowMs() - payload.t);
        if (workMs > 0) await sleep(workMs);
        completed++;
      },
    },
    preset: { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 50, failJobBatchDelay: 50 } },
  });

  // Sampler: on every wall-clock multiple of SAMPLE_EVERY_S, as the Millrace adapter does.
  let last = { at: performance.now(), enqueued: 0, completed: 0 };
  let sampling = Promise.resolve();
  const sample = async (t, windowS) => {
    const at = performance.now();
    const elapsed = Math.max(1e-3, (at - last.at) / 1000);
    const p = latency.percentiles(Math.floor(t.getTime() / 1000) - 1);
    if (p !== null) {
      telemetry.metric(t, "claim_p50_ms", p.p50, WINDOW_S);
      telemetry.metric(t, "claim_p95_ms", p.p95, WINDOW_S);
      telemetry.metric(t, "claim_p99_ms", p.p99, WINDOW_S);
    }
    telemetry.metric(t, "enqueue_rate", (enqueued - last.enqueued) / elapsed, windowS);
    telemetry.metric(t, "completion_rate", (completed - last.completed) / elapsed, windowS);
    last = { at, enqueued, completed };
    if (config.instanceId === 0) {
      try {
        telemetry.metric(t, "queue_depth", await queueDepth(), windowS);
      } catch (error) {
        log(`queue depth not read: ${error.message}`);
      }
    }
  };
  let sampler;
  const scheduleSample = () => {
    const every = config.sampleEverySeconds * 1000;
    const next = (Math.floor(Date.now() / every) + 1) * every;
    sampler = setTimeout(() => {
      sampling = sample(new Date(next), config.sampleEverySeconds);
      scheduleSample();
    }, next - Date.now());
  };
  scheduleSample();

  // Producer: credit from the real clock in fixed mode, from the measured depth in depth-target.
  const pad = "x".repeat(Math.max(0, config.payloadBytes - 40));
  let producing = true;
  const send = async (n) => {
    const t = nowMs();
    const specs = [];
    for (let i = 0; i < n; i++) specs.push({ identifier: "bench", payload: { t, pad } });
    await utils.addJobs(specs);
    enqueued += n;
  };
  const producer = (async () => {
    const start = performance.now();
    let next = start;
    while (producing) {
      try {
        if (config.producerMode === "fixed") {
          let owed;
          while (producing && (owed = Math.floor((config.producerRate * (performance.now() - start)) / 1000) - enqueued) > 0) {
            await send(Math.min(owed, config.producerBatchMax));
          }
        } else {
          let owed = config.targetDepth - (await queueDepth());
          while (producing && owed > 0) {
            const n = Math.min(owed, config.producerBatchMax);
            await send(n);
            owed -= n;
          }
        }
      } catch (error) {
        log(`enqueue failed, retrying next cycle: ${error.message}`);
      }
      next += config.producerBatchMs;
      const now = performance.now();
      if (next > now) await sleep(next - now);
      else next = now; // behind: fixed mode's credit already carries the missed time
    }
  })();
  log(`started: producer ${config.producerMode}, ${config.workerCount} workers, instance ${config.instanceId}`);

  let stopping = false;
  process.on("SIGTERM", async () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      log(`shutdown ran past ${EXIT_DEADLINE_MS} ms; exiting anyway`);
      process.exit(0);
    }, EXIT_DEADLINE_MS).unref();
    try {
      producing = false;
      await producer;
      clearTimeout(sampler);
      await sampling;
      const now = new Date();
      await sample(now, Math.max(1, Math.ceil((performance.now() - last.at) / 1000)));
      await runner.stop();
      await utils.release();
    } catch (error) {
      log(`shutdown step failed: ${error?.stack ?? error}`);
    }
    process.exit(0);
  });
}

main().catch((error) => {
  process.stderr.write(`graphile-worker adapter: failed to start: ${error?.stack ?? error}\n`);
  process.exit(1);
});
