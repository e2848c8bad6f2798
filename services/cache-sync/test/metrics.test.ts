// Cache-sync's observability: universes rewritten counted as cache_entries rows, and the job in
// flight as the active run.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "@tickstock/common/metrics.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/db.ts";
import { parseMetrics, sampleValue } from "../../../test/support/metrics.ts";
import type { ServiceHarness } from "../../../test/support/services.ts";
import { createGate, importMarket, startCacheSync, startImport, waitForJob, type CacheSyncHarness } from "./harness.ts";

let db: TestDatabase;
let importSvc: ServiceHarness;
let svc: CacheSyncHarness;
const gate = createGate();

async function cacheEntriesWritten(): Promise<number> {
  return sampleValue(parseMetrics(await registry.metrics()), "tickstock_rows_written_total", { table: "cache_entries" }) ?? 0;
}

beforeAll(async () => {
  db = await createTestDatabase();
  importSvc = await startImport(db, 300);
  await importMarket(importSvc.address);
  svc = await startCacheSync(db, { importAddress: importSvc.address, interceptors: [gate.interceptor] });
});

afterAll(async () => {
  gate.open();
  await svc?.stop();
  await importSvc?.stop();
  await db?.drop();
});

describe("cache-sync metrics", () => {
  it("names the running job as the active run, and counts the universes it rewrote", async () => {
    expect(svc.runner.activeJob()).toBeNull();
    gate.close();
    const { jobId } = await svc.client.triggerSync({ mode: "full", force: true });
    await waitForJob(svc.client, jobId, (s) => s === "running");
    expect(svc.runner.activeJob()).toEqual({ run_id: null, job_id: jobId });
    gate.open();
    const job = await waitForJob(svc.client, jobId);
    expect(job.status).toBe("completed");
    expect(svc.runner.activeJob()).toBeNull();
    const { rows } = await db.query<{ rows_written: number }>("SELECT rows_written FROM cache_sync.jobs WHERE job_id = $1", [jobId]);
    expect(rows[0]!.rows_written).toBeGreaterThan(0);
    expect(await cacheEntriesWritten()).toBe(rows[0]!.rows_written);

    // Nothing changed since: a second sync rewrites no universe and counts nothing more.
    const again = await svc.client.triggerSync({ mode: "full", force: true });
    expect((await waitForJob(svc.client, again.jobId)).status).toBe("completed");
    expect(await cacheEntriesWritten()).toBe(rows[0]!.rows_written);
  });
});
