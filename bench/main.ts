/**
 * `npm run bench [-- --symbols 10000 --days 252 --only import,cache-sync]`:
 * starts PostgreSQL and Redis, runs the services as their own processes, and
 * prints a table of figures (also written as JSON to bench/results/).
 */
import { mkdtempSync, chmodSync } from "node:fs";
import { tmpdir, cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { bootstrapDatabase, ensureDatabase, roleUrl, type ServiceName } from "@tickstock/common/bootstrap.ts";
import { debianPostgresBin, startDebianPostgres, startEmbeddedPostgres, startRedis } from "../scripts/lib/infra.ts";
import { Figures, type ChildService } from "./lib.ts";
import { benchAnalytics } from "./analytics.ts";
import { benchCacheSync } from "./cache-sync.ts";
import { benchImport } from "./import.ts";
import { benchLoad } from "./load.ts";
import { benchPipeline } from "./pipeline.ts";

export interface BenchContext {
  symbols: number;
  days: number;
  adminUrl: string;
  redisUrl: string;
  roleUrl(service: ServiceName | "reader"): string;
  services: Partial<Record<string, ChildService>>;
}

const SUITES: Record<string, (ctx: BenchContext, figures: Figures) => Promise<void>> = {
  import: benchImport,
  "cache-sync": benchCacheSync,
  analytics: benchAnalytics,
  pipeline: benchPipeline,
  load: benchLoad,
};

const { values } = parseArgs({
  options: {
    symbols: { type: "string", default: "10000" },
    days: { type: "string", default: "252" },
    only: { type: "string", default: Object.keys(SUITES).join(",") },
  },
});
const symbols = Number(values.symbols);
const days = Number(values.days);
if (!Number.isInteger(symbols) || symbols < 10 || !Number.isInteger(days) || days < 1) {
  process.stderr.write("usage: npm run bench -- [--symbols N>=10] [--days N>=1] [--only import,...]\n");
  process.exit(2);
}
const only = values.only!.split(",").filter(Boolean);
for (const s of only) if (!SUITES[s]) {
  process.stderr.write(`unknown suite ${s}; known: ${Object.keys(SUITES).join(", ")}\n`);
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), "tickstock-bench-"));
chmodSync(dir, 0o755);
const pg = debianPostgresBin() ? await startDebianPostgres(join(dir, "pg"), { fast: true }) : await startEmbeddedPostgres(join(dir, "pg"));
const redis = await startRedis({ dir });
const figures = new Figures();
const ctx: BenchContext = { symbols, days, adminUrl: "", redisUrl: redis.url, roleUrl: () => "", services: {} };
try {
  await ensureDatabase(pg.url, "tickstock_bench");
  const url = new URL(pg.url);
  url.pathname = "/tickstock_bench";
  ctx.adminUrl = url.toString();
  ctx.roleUrl = (s) => roleUrl(ctx.adminUrl, s);
  await bootstrapDatabase(ctx.adminUrl);
  for (const suite of only) await SUITES[suite]!(ctx, figures);
  figures.print();
  const file = figures.write({ symbols, days, node: process.version, cpus: cpus().length, postgres: pg.kind, at: new Date().toISOString() });
  process.stdout.write(`\nfigures written to ${file}\n`);
} finally {
  for (const svc of Object.values(ctx.services)) await svc?.stop();
  await redis.stop();
  await pg.stop({ removeData: true });
}
