import { execFile } from "node:child_process";
import { promisify } from "node:util";
import pg from "pg";
import type autocannon from "autocannon";
import { ROOT, type Figures } from "./lib.ts";
import type { AddedLatencyOptions, AddedLatencyResult } from "./added-latency.ts";
import type { OpenLoopResult } from "./open-loop.ts";
import type { BenchContext } from "./main.ts";

const KEY = "tickstock-cache-sync-2025";
/** Polls per second offered in the open-loop run: the 3,000 req/s target with a margin. */
const OFFERED_RATE = 3300;

/**
 * Load through the gateway: AppV2's status polls at 1,000 connections (a fixed rate, then the
 * capacity), a burst of 200 concurrent cache-sync triggers, and the latency the gateway adds.
 */
export async function benchLoad(ctx: BenchContext, figures: Figures): Promise<void> {
  const { gateway, coordinator, cache_sync: cacheSync } = ctx.services;
  if (!gateway || !coordinator || !cacheSync) throw new Error("the load suite needs the pipeline suite first (gateway, coordinator, cache-sync)");
  const base = `http://127.0.0.1:${gateway.port}`;
  const headers = { "x-api-key": KEY, "content-type": "application/json" };

  const trigger = await fetch(`${base}/api/processing/cache-sync/trigger`, { method: "POST", headers, body: JSON.stringify({ mode: "ipos" }) });
  const { job_id: jobId } = (await trigger.json()) as { job_id: string };

  // The earlier suites wrote millions of rows: autovacuum would run during the measurements below.
  const maintenance = new pg.Client({ connectionString: ctx.adminUrl });
  await maintenance.connect();
  await maintenance.query("VACUUM ANALYZE");
  await maintenance.end();

  const run = async (script: string, options: object) => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", script, JSON.stringify(options)], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    return JSON.parse(stdout) as unknown;
  };

  // The gateway's added latency (bench/added-latency.ts), on a quiet machine: before the polls
  // below and the trigger burst that starts cache-sync jobs.
  const added = (await run("bench/added-latency.ts", { coordinator: coordinator.address, gateway: base, apiKey: KEY, rounds: 2200, warmUp: 200 } satisfies AddedLatencyOptions)) as AddedLatencyResult;
  figures.add("load: GET status p50, direct gRPC to the coordinator (grpc-js)", added.directGrpcJsP50, "ms");
  figures.add("load: GET status p50, direct gRPC with the gateway's own upstream client", added.directGatewayClientP50, "ms");
  figures.add("load: GET status p50, REST through the gateway to the coordinator (node:http, no-cache)", added.restNoCacheP50, "ms");
  figures.add("load: latency the gateway adds over a grpc-js call, p50", added.addedP50, "ms", "< 1");
  figures.add("load: the hop alone (REST minus the gateway's own client called directly), p50", added.hopP50, "ms");
  figures.add("load: GET status p50, REST answered from the gateway's read cache", added.restCachedP50, "ms");

  const requests: { method: "GET"; path: string }[] = [
    { method: "GET", path: "/api/processing/status" },
    { method: "GET", path: `/api/processing/cache-sync/status/${jobId}` },
  ];

  // AppV2's polls arrive at their own pace (every 2 s per open page), not when the previous answer
  // came back: an open loop at a fixed rate over 1,000 connections (bench/open-loop.ts), after a
  // short warm-up (JIT, connection set-up) that is not measured.
  const open = { url: base, connections: 1000, headers, requests };
  await run("bench/open-loop.ts", { ...open, rate: OFFERED_RATE, durationSeconds: 5 });
  const polls = (await run("bench/open-loop.ts", { ...open, rate: OFFERED_RATE, durationSeconds: 30 })) as OpenLoopResult;
  figures.add(`load: status polls offered at ${OFFERED_RATE.toLocaleString("en-US")} req/s over 1,000 connections for 30 s, answered`, polls.completed, "requests");
  figures.add("load: throughput", Math.round(polls.completed / 30), "req/s", ">= 3000");
  figures.add("load: latency p50", polls.latencyMs.p50, "ms");
  figures.add("load: latency p99", polls.latencyMs.p99, "ms", "< 20");
  figures.add("load: latency max", polls.latencyMs.max, "ms");
  figures.add("load: errors (connection errors, timeouts, non-2xx)", polls.errors + polls.timeouts + polls.non2xx, "errors", "= 0");
  figures.add("load: the load generator's own event-loop delay p99 (counted in the latency)", polls.generatorLoopDelayP99Ms, "ms");

  // Capacity: a closed loop (each connection sends its next poll when the answer arrives), so the
  // latency is mostly the queue of 1,000 connections (p50 about 1,000 / throughput).
  const options: autocannon.Options = { url: base, connections: 1000, duration: 15, headers, requests };
  const r = (await run("bench/load-client.ts", options)) as autocannon.Result & { errorCodes: Record<string, number> };
  figures.add("load: capacity, closed loop at 1,000 connections", Math.round(r.requests.average), "req/s", ">= 3000");
  figures.add("load: capacity run latency p50 (queueing)", r.latency.p50, "ms");
  figures.add("load: capacity run latency p99 (queueing)", r.latency.p99, "ms");
  const kinds = [...Object.entries(r.errorCodes).map(([code, n]) => `${code} ${n}`), ...(r.non2xx > 0 ? [`non-2xx ${r.non2xx}`] : [])];
  figures.add(`load: capacity run errors${kinds.length > 0 ? ` (${kinds.join(", ")})` : ""}`, r.errors + r.timeouts + r.non2xx, "errors", "= 0");

  // 200 concurrent triggers: one running job, at most one pending per mode.
  const admin = new pg.Client({ connectionString: ctx.adminUrl });
  await admin.connect();
  const modes = ["full", "market_cap", "themes", "ipos"];
  const responses = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      fetch(`${base}/api/processing/cache-sync/trigger`, { method: "POST", headers, body: JSON.stringify({ mode: modes[i % 4], force: true }) }).then((res) => res.status),
    ),
  );
  const { rows } = await admin.query<{ status: string; mode: string; n: number }>(
    "SELECT status, mode, count(*)::int AS n FROM cache_sync.jobs WHERE run_id IS NULL AND status IN ('pending', 'running') GROUP BY 1, 2",
  );
  await admin.end();
  figures.add("load: 200 concurrent triggers answered 202", responses.filter((s) => s === 202).length, "responses", "= 200");
  figures.add("load: running cache-sync jobs after the burst", rows.filter((r) => r.status === "running").reduce((n, r) => n + r.n, 0), "jobs", "<= 1");
  figures.add("load: most pending jobs of one mode after the burst", Math.max(0, ...rows.filter((r) => r.status === "pending").map((r) => r.n)), "jobs", "<= 1");
}
