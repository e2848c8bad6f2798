import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/support/db.ts";
import { captureEvents } from "../../../test/support/redis.ts";
import { loadCacheSyncConfig } from "../src/config.ts";
import { createGate, startCacheSync, waitForJob, type CacheSyncHarness } from "./harness.ts";

// The import service is down for this whole file: its address is a port nobody listens on.
let db: TestDatabase;
let svc: CacheSyncHarness;
let capture: Awaited<ReturnType<typeof captureEvents>>;
const gate = createGate();
const ORPHAN = "6f1d8a56-0000-4000-8000-000000000001";
const QUEUED = "6f1d8a56-0000-4000-8000-000000000002";

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

beforeAll(async () => {
  db = await createTestDatabase();
  capture = await captureEvents();
  // What a process that died mid-job leaves behind: a running job, and one queued behind it.
  await db.query(
    `INSERT INTO cache_sync.jobs (job_id, mode, triggered_by, status, created_at, start_time, current_task, progress_completed, progress_total)
     VALUES ($1, 'full', 'api', 'running', now() - interval '1 hour', now() - interval '1 hour', 'theme_rebalancing', 2, 5)`,
    [ORPHAN],
  );
  await db.query("INSERT INTO cache_sync.jobs (job_id, mode, triggered_by, created_at) VALUES ($1, 'themes', 'api', now() - interval '59 minutes')", [QUEUED]);
  const cfg = loadCacheSyncConfig({ timeoutMinutes: 0.02 });
  svc = await startCacheSync(db, { importAddress: `127.0.0.1:${await closedPort()}`, cfg, interceptors: [gate.interceptor] });
});

afterAll(async () => {
  gate.open();
  await capture?.close();
  await svc?.stop();
  await db?.drop();
});

const eventsOf = async (jobId: string) => {
  const all = await capture.waitFor((es) => es.some((e) => e.event === "cache_sync_completed" && e.payload.job_id === jobId));
  return all.filter((e) => e.payload.job_id === jobId || (e.payload.context as { job_id?: string } | undefined)?.job_id === jobId);
};

describe("on start", () => {
  it("ends a job left running by a dead process as failed, with the reason", async () => {
    const job = await waitForJob(svc.client, ORPHAN);
    expect(job.status).toBe("failed");
    expect(job.errorDetails).toBe("interrupted: the cache-sync process running this job stopped before it ended");
    expect(job.durationSeconds).toBeGreaterThanOrEqual(3600);
    const events = await eventsOf(ORPHAN);
    expect(events.map((e) => e.event)).toEqual(["error", "cache_sync_completed"]);
    expect(events[0]!.payload).toMatchObject({ error_code: "CACHE_SYNC_INTERRUPTED", context: { job_id: ORPHAN } });
    expect(events[1]!.payload).toMatchObject({ status: "failed", mode: "full" });
  });

  it("runs the pending job, which ends `error` because the import service is unavailable", async () => {
    const job = await waitForJob(svc.client, QUEUED);
    expect(job.status).toBe("error");
    expect(job.errorDetails).toMatch(/^could not read symbols and bars from the import service: /);
    const events = await eventsOf(QUEUED);
    expect(events.find((e) => e.event === "error")!).toMatchObject({ channel: "tickstock:errors", payload: { severity: "error", component: "cache_sync", error_code: "IMPORT_UNAVAILABLE" } });
    expect(events.find((e) => e.event === "cache_sync_completed")!.payload).toMatchObject({ status: "error", mode: "themes", total_changes: 0, universes_updated: [] });
    const { rows } = await db.query("SELECT count(*)::int AS n FROM cache_entries");
    expect(rows[0].n).toBe(0);
  });
});

describe("limits", () => {
  it("stops a job at its timeout: failed, with the time in error_details and an error event", async () => {
    gate.close();
    const { jobId } = await svc.client.triggerSync({ mode: "ipos" });
    const job = await waitForJob(svc.client, jobId);
    expect(job).toMatchObject({ status: "failed", errorDetails: "timed out after 1.2 seconds" });
    const events = await eventsOf(jobId);
    expect(events.find((e) => e.event === "error")!.payload).toMatchObject({ error_code: "CACHE_SYNC_TIMEOUT" });
  });

  it("a stop interrupts the running job after the grace period and leaves the queue for the next start", async () => {
    gate.close();
    const slow = await startCacheSync(db, { importAddress: "127.0.0.1:1", cfg: loadCacheSyncConfig({}), interceptors: [gate.interceptor], start: false });
    await svc.runner.stop(0);
    slow.runner.start();
    const running = await slow.client.triggerSync({ mode: "full" });
    await waitForJob(slow.client, running.jobId, (s) => s === "running");
    const queued = await slow.client.triggerSync({ mode: "market_cap" });
    await slow.runner.stop(50);
    expect((await slow.client.getJob({ jobId: running.jobId })).errorDetails).toBe("interrupted: the cache-sync service stopped");
    expect((await slow.client.getJob({ jobId: queued.jobId })).status).toBe("pending");
    await slow.stop();
  });
});

describe("configuration", () => {
  const main = fileURLToPath(new URL("../src/main.ts", import.meta.url));
  const start = (env: Record<string, string>) =>
    promisify(execFile)(process.execPath, ["--import", "tsx", main], { env: { ...process.env, DATABASE_URL: "postgres://nobody@127.0.0.1:1/x", ...env }, timeout: 20_000 }).then(
      () => ({ code: 0, stderr: "" }),
      (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
    );

  it("a bad CACHE_SYNC_CONFIG_FILE stops the process at start-up with one clear line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cache-sync-cfg-"));
    const file = join(dir, "cache-sync.json");
    writeFileSync(file, JSON.stringify({ maxShrinkRatio: 2, themes: { ai_ml_leaders: { maxSize: 0, sicTerms: ["software"] } } }));
    const { code, stderr } = await start({ CACHE_SYNC_CONFIG_FILE: file });
    expect(code).toBe(1);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(/^invalid configuration: CACHE_SYNC_CONFIG_FILE .*cache-sync\.json: .*themes\.ai_ml_leaders\.maxSize: .*maxShrinkRatio: /);

    writeFileSync(file, "{ not json");
    const notJson = await start({ CACHE_SYNC_CONFIG_FILE: file });
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toMatch(/^invalid configuration: CACHE_SYNC_CONFIG_FILE .*cache-sync\.json: /);
  });

  it("a bad variable stops it too, naming the variable", async () => {
    const { code, stderr } = await start({ CACHE_SYNC_PORT: "eighty", MARKET_SPECIAL_CLOSURES: "2025-13-01" });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^invalid configuration: CACHE_SYNC_PORT: .*MARKET_SPECIAL_CLOSURES/);
  });
});
