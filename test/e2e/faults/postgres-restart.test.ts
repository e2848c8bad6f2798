// Fault test: PostgreSQL stopped in the middle of a run and started again on the same port.
//
// The system runs against a PostgreSQL of this file's own (Debian's binaries, bootstrapped and
// migrated as the test setup does), so stopping it disturbs no other test file.
//
// | scenario | expected outcome |
// |---|---|
// | PostgreSQL down ~4 s during the indicators phase, an import ListBars stream held open by the test | no process exits or is restarted (no crash trace, each logged "listening" once; a connection lost while checked out, as the import's streaming read holds one, must not crash it); `/health` answers 503 `degraded` with `postgres: "unavailable"` meanwhile and 200 `healthy` once it is back; the phase in flight fails cleanly and is retried (analytics answers UNAVAILABLE and the coordinator retries; when the coordinator's own write fails too, it cannot end the run, whose heartbeat then goes stale, and its recovery resumes the run at that phase once PostgreSQL is back), so the run is not left `running` and ends `completed` (or `failed` with an `error` event and a reason); the events tell the same end as history; no duplicate bars; a new run afterwards completes |
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapDatabase, ensureDatabase, roleUrl, SERVICES, type ServiceName } from "@tickstock/common/bootstrap.ts";
import { runMigrations } from "@tickstock/common/db.ts";
import { createServiceClient } from "@tickstock/common/clients.ts";
import { createLogger } from "@tickstock/common/log.ts";
import { latestCompletedTradingDay } from "@tickstock/common/trading-calendar.ts";
import { ImportService } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { startDebianPostgres, type RunningPostgres } from "../../../scripts/lib/infra.ts";
import type { TestDatabase } from "../../support/db.ts";
import { redisClient } from "../../support/redis.ts";
import { startSystem, type RunningSystem } from "../../support/system.ts";
import {
  backfill,
  CALENDAR,
  crashLines,
  expectEventsTellTheTruth,
  expectIntact,
  FAST_FAULTS,
  logLines,
  ofRun,
  readStream,
  sleep,
  streamTail,
  syncCache,
  tradingDaysBefore,
  triggerRun,
  waitForEvent,
  waitForRunEnd,
  waitUntil,
} from "./support.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const SERVICE_DIRS: Record<ServiceName, string> = { import: "import", cache_sync: "cache-sync", analytics: "analytics", coordinator: "coordinator" };
const PROCESSES = ["import", "cache_sync", "analytics", "coordinator", "gateway"] as const;

let dir: string;
let postgres: RunningPostgres;
let db: TestDatabase;
let pool: pg.Pool;
let system: RunningSystem;
const last = latestCompletedTradingDay(new Date(), CALENDAR);
const dates = [tradingDaysBefore(last, 1), last];
const query = <R extends pg.QueryResultRow>(sql: string, params?: unknown[]) => pool.query<R>(sql, params);

/** Roles, schemas and every service's migrations, as test/support/global-setup.ts prepares its template. */
async function prepareDatabase(adminUrl: string): Promise<void> {
  const log = createLogger({ service: "test-setup", level: "warn" });
  await bootstrapDatabase(adminUrl);
  for (const [name, svc] of Object.entries(SERVICES) as [ServiceName, (typeof SERVICES)[ServiceName]][]) {
    const migrations = join(ROOT, "services", SERVICE_DIRS[name], "migrations");
    if (!existsSync(migrations) || !readdirSync(migrations).some((f) => f.endsWith(".sql"))) continue;
    await runMigrations({ databaseUrl: roleUrl(adminUrl, name), dir: migrations, schema: svc.schema, lockValue: svc.lockValue, log });
  }
}

const health = async () => {
  const res = await fetch(`${system.gatewayUrl}/health`);
  return { status: res.status, body: (await res.json()) as { status: string; services: Record<string, string> } };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tickstock-pg-restart-"));
  chmodSync(dir, 0o755); // the postgres user must reach the data directory inside
  postgres = await startDebianPostgres(join(dir, "pg"), { fast: true });
  const name = `faults_${randomBytes(4).toString("hex")}`;
  await ensureDatabase(postgres.url, name);
  const url = new URL(postgres.url);
  url.pathname = `/${name}`;
  const adminUrl = url.toString();
  await prepareDatabase(adminUrl);
  pool = new pg.Pool({ connectionString: adminUrl, max: 2 });
  pool.on("error", () => undefined);
  db = {
    name,
    adminUrl,
    urlFor: (service) => roleUrl(adminUrl, service),
    query: (sql, params) => pool.query(sql, params as unknown[]),
    drop: async () => undefined,
  };
  system = await startSystem(db, { ...FAST_FAULTS, ANALYTICS_BATCH_SYMBOLS: "50" });
  await backfill(system, dates[0]!, 260);
  await syncCache(system);
}, 120_000);

afterAll(async () => {
  await system?.stop();
  await pool?.end().catch(() => undefined);
  await postgres?.stop({ removeData: true });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("PostgreSQL restarted during a run", () => {
  it("services ride it out without a restart, health says degraded meanwhile, the run ends cleanly and the next one completes", async () => {
    const redis = redisClient();
    try {
      const tail = await streamTail(redis);
      const runId = await triggerRun(system, { run_date: dates[0], universe: "top_500" });
      await waitForEvent(redis, tail, runId, "indicator_progress");
      // A streamed read the test stops reading: the import service holds a checked-out client
      // (between two batches) when the connection goes away.
      const reading = new AbortController();
      const bars = createServiceClient(ImportService, system.address("import")).listBars({ batchSize: 1 }, { signal: reading.signal })[Symbol.asyncIterator]();
      await bars.next();

      await postgres.stop();
      const down = Date.now();
      const degraded = await waitUntil("/health to show postgres down", async () => {
        const h = await health();
        return h.body.services.postgres === "unavailable" ? h : undefined;
      }, 10_000, 100);
      expect(degraded.status).toBe(503);
      expect(degraded.body).toMatchObject({ status: "degraded", services: { postgres: "unavailable", redis: "serving" } });
      await sleep(Math.max(0, 4_000 - (Date.now() - down)));
      postgres = await startDebianPostgres(join(dir, "pg"), { port: postgres.port, fast: true });

      reading.abort();
      let last: unknown;
      await waitUntil("/health to be healthy again", async () => {
        const h = await health();
        last = h.body;
        return h.status === 200;
      }, 20_000, 200).catch((err: Error) => {
        throw new Error(`${err.message}; last: ${JSON.stringify(last)}; crashes: ${JSON.stringify(PROCESSES.flatMap((n) => crashLines(system.logFile(n)).map((l) => `${n}: ${l}`)))}`);
      });
      expect((await health()).body).toEqual({
        status: "healthy",
        services: { coordinator: "serving", import: "serving", cache_sync: "serving", analytics: "serving", postgres: "serving", redis: "serving" },
      });

      const { run, phases } = await waitForRunEnd(query, runId, 60_000);
      expect(["completed", "failed"]).toContain(run.status);
      if (run.status === "failed") expect(run.error).toBeTruthy();
      await expectIntact(query);
      const events = ofRun(await readStream(redis, tail), runId);
      expectEventsTellTheTruth(events, run);
      console.info(`[postgres restart] run ${run.status} ${run.error ?? ""}; phases ${JSON.stringify(phases)}`);

      // The services reconnected by themselves: a new run goes through every phase.
      const nextTail = await streamTail(redis);
      const nextId = await triggerRun(system, { run_date: dates[1], universe: "top_500" });
      const next = await waitForRunEnd(query, nextId, 60_000);
      expect(next.run.status, next.run.error ?? "").toBe("completed");
      expectEventsTellTheTruth(ofRun(await readStream(redis, nextTail), nextId), next.run);
      await expectIntact(query);

      for (const name of PROCESSES) {
        expect(crashLines(system.logFile(name)), `${name} did not crash`).toEqual([]);
        expect(logLines(system.logFile(name), /listening/), `${name} started once`).toHaveLength(1);
      }
    } finally {
      redis.disconnect();
    }
  }, 90_000);
});
