import { execFile } from "node:child_process";
import { promisify } from "node:util";
import pg from "pg";
import type autocannon from "autocannon";
import { createServiceClient } from "@tickstock/common/clients.ts";
import { CoordinatorService } from "@tickstock/gen/tickstock/coordinator/v1/coordinator_pb.js";
import { ROOT, type Figures } from "./lib.ts";
import type { BenchContext } from "./main.ts";

const KEY = "tickstock-cache-sync-2025";

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Load through the gateway: AppV2's status polls at 1,000 connections, a burst
 * of 200 concurrent cache-sync triggers, and the latency the gateway adds.
 */
export async function benchLoad(ctx: BenchContext, figures: Figures): Promise<void> {
  const { gateway, coordinator, cache_sync: cacheSync } = ctx.services;
  if (!gateway || !coordinator || !cacheSync) throw new Error("the load suite needs the pipeline suite first (gateway, coordinator, cache-sync)");
  const base = `http://127.0.0.1:${gateway.port}`;
  const headers = { "x-api-key": KEY, "content-type": "application/json" };

  const trigger = await fetch(`${base}/api/processing/cache-sync/trigger`, { method: "POST", headers, body: JSON.stringify({ mode: "ipos" }) });
  const { job_id: jobId } = (await trigger.json()) as { job_id: string };

  const options: autocannon.Options = {
    url: base,
    connections: 1000,
    duration: 30,
    headers,
    requests: [
      { method: "GET", path: "/api/processing/status" },
      { method: "GET", path: `/api/processing/cache-sync/status/${jobId}` },
    ],
  };
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "bench/load-client.ts", JSON.stringify(options)], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  const r = JSON.parse(stdout) as autocannon.Result;
  figures.add("load: status polls, 1,000 connections x 30 s, requests", r.requests.total, "requests");
  figures.add("load: throughput", Math.round(r.requests.average), "req/s", ">= 3000");
  figures.add("load: latency p50", r.latency.p50, "ms");
  figures.add("load: latency p99", r.latency.p99, "ms", "< 20");
  figures.add("load: errors (connection errors, timeouts, non-2xx)", r.errors + r.timeouts + r.non2xx, "errors", "= 0");

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

  // Gateway's added latency: the same read through REST and straight over gRPC.
  const direct = createServiceClient(CoordinatorService, coordinator.address);
  const time = async (fn: () => Promise<unknown>, n: number) => {
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await fn();
      samples.push(performance.now() - t0);
    }
    return samples.sort((a, b) => a - b);
  };
  await time(() => direct.getStatus({}), 200);
  await time(() => fetch(`${base}/api/processing/status`, { headers }).then((r) => r.text()), 200);
  const viaGrpc = await time(() => direct.getStatus({}), 2000);
  const viaGateway = await time(() => fetch(`${base}/api/processing/status`, { headers }).then((r) => r.text()), 2000);
  figures.add("load: GET status p50, direct gRPC to the coordinator", percentile(viaGrpc, 50), "ms");
  figures.add("load: GET status p50, REST through the gateway", percentile(viaGateway, 50), "ms");
  figures.add("load: latency the gateway adds, p50", percentile(viaGateway, 50) - percentile(viaGrpc, 50), "ms", "< 1");
}
