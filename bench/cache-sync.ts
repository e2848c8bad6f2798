import pg from "pg";
import { createServiceClient } from "@tickstock/common/clients.ts";
import { CacheSyncService } from "@tickstock/gen/tickstock/cachesync/v1/cache_sync_pb.js";
import { recordEvents } from "./events.ts";
import { peakRssMb, spawnService, type Figures } from "./lib.ts";
import type { BenchContext } from "./main.ts";

const TERMINAL = new Set(["completed", "failed", "error"]);

export async function benchCacheSync(ctx: BenchContext, figures: Figures): Promise<void> {
  if (!ctx.services.import) throw new Error("the cache-sync suite needs the import suite first (its bars and symbols)");
  const svc = await spawnService("cache-sync", "services/cache-sync", "CACHE_SYNC_PORT", {
    DATABASE_URL: ctx.roleUrl("cache_sync"),
    REDIS_URL: ctx.redisUrl,
    IMPORT_ADDR: ctx.services.import.address,
  });
  ctx.services.cache_sync = svc;
  const client = createServiceClient(CacheSyncService, svc.address, { defaultTimeoutMs: 120_000 });
  const admin = new pg.Client({ connectionString: ctx.adminUrl });
  await admin.connect();
  const recorder = await recordEvents(ctx.redisUrl);
  try {
    const sync = async (mode: string, label: string, target?: string) => {
      const before = new Date();
      const t0 = performance.now();
      const { jobId } = await client.triggerSync({ mode, force: true });
      let job = await client.getJob({ jobId });
      while (!TERMINAL.has(job.status)) {
        await new Promise((r) => setTimeout(r, 5));
        job = await client.getJob({ jobId });
      }
      const wall = (performance.now() - t0) / 1000;
      if (job.status !== "completed") throw new Error(`${label}: job ${job.status}: ${job.errorDetails ?? ""}`);
      await new Promise((r) => setTimeout(r, 200)); // let its events arrive
      const { rows } = await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM cache_entries WHERE updated_at >= $1", [before]);
      const events = recorder.events.filter((e) => e.payload.job_id === jobId).length;
      figures.add(`cache-sync: ${label} (job duration)`, job.durationSeconds ?? wall, "s", target);
      figures.add(`cache-sync: ${label} wall time, trigger to completed`, wall, "s");
      figures.add(`cache-sync: ${label} universes rewritten`, rows[0]!.n, "rows", label === "repeat full sync" ? "= 0" : undefined);
      figures.add(`cache-sync: ${label} changes`, job.totalChanges ?? 0, "symbols");
      figures.add(`cache-sync: ${label} events published`, events, "events");
    };
    await sync("full", "first full sync", "< 1");
    await sync("full", "repeat full sync", "< 1");
    for (const mode of ["market_cap", "themes", "ipos"]) await sync(mode, `${mode} mode`, "< 0.5");
    figures.add("cache-sync: service peak RSS", peakRssMb(svc.process.pid!), "MB", "< 512");
  } finally {
    await recorder.close();
    await admin.end();
  }
}
