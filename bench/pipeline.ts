import pg from "pg";
import { nextTradingDay } from "@tickstock/common/trading-calendar.ts";
import { recordEvents } from "./events.ts";
import { BENCH_CALENDAR, benchDates } from "./import.ts";
import { spawnService, type Figures } from "./lib.ts";
import type { BenchContext } from "./main.ts";

const KEY = "tickstock-cache-sync-2025";

/** A full daily run through the gateway: one new day on top of the loaded history, trigger to processing_completed. */
export async function benchPipeline(ctx: BenchContext, figures: Figures): Promise<void> {
  const { import: imp, cache_sync: cs, analytics: an } = ctx.services;
  if (!imp || !cs || !an) throw new Error("the pipeline suite needs the import, cache-sync and analytics suites first");
  const addrs = { IMPORT_ADDR: imp.address, CACHE_SYNC_ADDR: cs.address, ANALYTICS_ADDR: an.address };
  const coordinator = await spawnService("coordinator", "services/coordinator", "COORDINATOR_PORT", {
    DATABASE_URL: ctx.roleUrl("coordinator"), REDIS_URL: ctx.redisUrl, COORDINATOR_CATCH_UP: "false", ...addrs,
  });
  ctx.services.coordinator = coordinator;
  const gateway = await spawnService("gateway", "gateway", "GATEWAY_PORT", {
    DATABASE_URL: ctx.roleUrl("reader"), REDIS_URL: ctx.redisUrl, COORDINATOR_ADDR: coordinator.address, ...addrs,
    // The load suite measures the trigger queue, not the per-key rate limit.
    RATE_LIMIT_TRIGGERS_PER_MINUTE: "0",
  });
  ctx.services.gateway = gateway;

  const runDate = nextTradingDay(benchDates(ctx.days).next, BENCH_CALENDAR);
  const recorder = await recordEvents(ctx.redisUrl);
  const admin = new pg.Client({ connectionString: ctx.adminUrl });
  await admin.connect();
  try {
    const t0 = performance.now();
    const res = await fetch(`http://127.0.0.1:${gateway.port}/api/processing/trigger-manual`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": KEY },
      body: JSON.stringify({ run_date: runDate, universe: "all", skip_market_check: true }),
    });
    const body = (await res.json()) as { run_id?: string };
    if (res.status !== 202 || !body.run_id) throw new Error(`trigger failed: ${res.status} ${JSON.stringify(body)}`);
    const end = () => recorder.events.find((e) => e.payload.run_id === body.run_id && /^processing_(completed|failed|cancelled)$/.test(e.event));
    await recorder.waitFor(() => end() !== undefined, 600_000);
    const wall = (performance.now() - t0) / 1000;
    const final = end()!;
    if (final.event !== "processing_completed") throw new Error(`run ended ${final.event}: ${JSON.stringify(final.payload)}`);
    figures.add("pipeline: full daily run, trigger to processing_completed", wall, "s", "< 20");
    const { rows } = await admin.query<{ phase: string; seconds: number }>(
      `SELECT phase, extract(epoch FROM ended_at - started_at)::float8 AS seconds FROM coordinator.run_phases WHERE run_id = $1 ORDER BY position`,
      [body.run_id],
    );
    let phases = 0;
    for (const r of rows) {
      figures.add(`pipeline: ${r.phase} phase`, r.seconds, "s");
      phases += r.seconds;
    }
    figures.add("pipeline: coordinator overhead (run time minus phase times)", wall - phases, "s");
    figures.add("pipeline: symbols processed", Number(final.payload.symbols_processed), "symbols");
  } finally {
    await admin.end();
    await recorder.close();
  }
}
