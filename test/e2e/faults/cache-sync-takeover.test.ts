// Fault test: a cache-sync replica dies inside a pipeline job, and the coordinator's retry of the
// phase reaches another replica (README, "Running more than one replica": "the others take over
// when it dies").
//
// Replica A runs the run's job and is frozen inside its transaction (the test holds
// `LOCK cache_sync.cache_entries_metadata IN SHARE MODE`), replica B is started, A gets SIGKILL,
// and the retry (RunSyncPhase with the same run_id, as the coordinator sends it) goes to B before
// B's worker polls for orphans.
//
// | scenario | expected outcome |
// |---|---|
// | cache-sync replica killed inside a pipeline job; the retry reaches a live replica | B ends the dead replica's job `failed` ("interrupted …") before it joins the run's job, runs a new job and answers `completed`; cache_entries never show the dead job's uncommitted universes and end written by the new job, all at one time |
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createServiceClient } from "@tickstock/common/clients.ts";
import { latestCompletedTradingDay } from "@tickstock/common/trading-calendar.ts";
import { CacheSyncService } from "@tickstock/gen/tickstock/cachesync/v1/cache_sync_pb.js";
import { freePort, waitForPort } from "../../../scripts/lib/infra.ts";
import { createTestDatabase, type TestDatabase } from "../../support/db.ts";
import { startSystem, type RunningSystem } from "../../support/system.ts";
import {
  backfill,
  CALENDAR,
  dataState,
  expectIntact,
  expectWholeJobs,
  FAST_FAULTS,
  holdLock,
  importDay,
  syncCache,
  tradingDaysBefore,
  waitForBackendGone,
  waitForBlockedBackend,
} from "./support.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const RUN_ID = "0f5e7a2c-5b1d-4c3e-9a8f-7d6c5b4a3921";

let db: TestDatabase;
let system: RunningSystem;
let replica: ChildProcess | undefined;
const runDate = tradingDaysBefore(latestCompletedTradingDay(new Date(), CALENDAR), 1);
const query = <R extends import("pg").QueryResultRow>(sql: string, params?: unknown[]) => db.query<R>(sql, params);

/** A second cache-sync process on the same database, Redis and import service. */
async function startReplica(): Promise<string> {
  const port = await freePort();
  const out = createWriteStream(system.logFile("cache_sync").replace(/cache_sync\.log$/, "cache_sync_replica.log"), { flags: "a" });
  replica = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: join(ROOT, "services/cache-sync"),
    env: {
      ...process.env,
      NODE_ENV: "test",
      LOG_LEVEL: "info",
      DATABASE_URL: db.urlFor("cache_sync"),
      REDIS_URL: inject("redisUrl"),
      IMPORT_ADDR: system.address("import"),
      CACHE_SYNC_PORT: String(port),
      SHUTDOWN_GRACE_MS: "1000",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  replica.stdout!.pipe(out);
  replica.stderr!.pipe(out);
  await waitForPort(port, 60_000);
  return `127.0.0.1:${port}`;
}

beforeAll(async () => {
  db = await createTestDatabase();
  system = await startSystem(db, FAST_FAULTS, ["import", "cache_sync", "gateway"]);
  // A first sync, then one more day: the run's job has universes to change (and so a transaction to be killed in).
  await backfill(system, runDate, 30);
  await syncCache(system);
  await importDay(system, runDate);
}, 120_000);

afterAll(async () => {
  if (replica && replica.exitCode === null) {
    const exited = new Promise((r) => replica!.once("exit", r));
    replica.kill("SIGTERM");
    await exited;
  }
  await system?.stop();
  await db?.drop();
});

describe("a cache-sync replica killed inside a pipeline job", () => {
  it("the retry on another replica starts a new job instead of joining the dead one", async () => {
    const before = await expectIntact(query);
    const lock = await holdLock(db.adminUrl, ["LOCK TABLE cache_sync.cache_entries_metadata IN SHARE MODE"]);
    try {
      const request = { runId: RUN_ID, mode: "full", runDate };
      const first = new AbortController();
      const call = createServiceClient(CacheSyncService, system.address("cache_sync")).runSyncPhase(request, { signal: first.signal })[Symbol.asyncIterator]();
      await call.next(); // the job runs on A
      const pid = await waitForBlockedBackend(query, "tickstock-cache-sync");
      const dead = await db.query<{ job_id: string }>("SELECT job_id FROM cache_sync.jobs WHERE run_id = $1 AND status = 'running'", [RUN_ID]);
      expect(dead.rows).toHaveLength(1);

      const b = await startReplica(); // its worker found A's lock held: it polls again in 5 s
      await system.kill("cache_sync", "SIGKILL");
      first.abort();
      await lock.release();
      await waitForBackendGone(query, pid);
      expect((await dataState(query)).universes).toEqual(before.universes);

      let result: { status: string; jobId: string; errorDetails: string } | undefined;
      for await (const u of createServiceClient(CacheSyncService, b).runSyncPhase(request, { timeoutMs: 30_000 })) {
        if (u.event.case === "result") result = u.event.value;
      }
      const jobs = await db.query<{ job_id: string; status: string; error_details: string | null }>(
        "SELECT job_id, status, error_details FROM cache_sync.jobs WHERE run_id = $1 ORDER BY created_at",
        [RUN_ID],
      );
      expect(jobs.rows[0]).toMatchObject({ job_id: dead.rows[0]!.job_id, status: "failed", error_details: expect.stringMatching(/^interrupted/) });
      expect(result, `the retry joined the dead replica's job: ${result?.errorDetails}`).toMatchObject({ status: "completed" });
      expect(result!.jobId).not.toBe(dead.rows[0]!.job_id);
      expect(jobs.rows.map((j) => j.status)).toEqual(["failed", "completed"]);
      const after = await expectIntact(query);
      expectWholeJobs(before, after);
    } finally {
      await lock.release();
    }
  }, 60_000);
});
