// Phase records left `running` by a dead analytics process are ended `failed`; a live one's never.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "@tickstock/common/db.ts";
import { createLogger } from "@tickstock/common/log.ts";
import { claimOwnership, recoverAbandonedPhaseRuns } from "../src/ownership.ts";
import { startPhaseRun } from "../src/store.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/db.ts";

let db: TestDatabase;
let pool: pg.Pool;
const log = createLogger({ service: "analytics-test", level: "silent" });

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.urlFor("analytics"), log, { applicationName: "ownership-test" });
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

async function phaseRun(owner: string | null): Promise<string> {
  const phaseRunId = randomUUID();
  await startPhaseRun(pool, { phaseRunId, runId: "r1", phase: "indicators", runDate: "2025-06-02", universe: "all", totalSymbols: 10, owner });
  return phaseRunId;
}

async function statusOf(id: string): Promise<{ status: string; error: string | null; ended: boolean }> {
  const { rows } = await db.query<{ status: string; error: string | null; ended: boolean }>(
    "SELECT status, error, ended_at IS NOT NULL AS ended FROM analytics.phase_runs WHERE phase_run_id = $1",
    [id],
  );
  return rows[0]!;
}

describe("phase record ownership", () => {
  it("ends the records of a dead owner and of no owner, never a live owner's", async () => {
    // A live replica: its owner lock is held by a session of its own.
    const live = randomUUID();
    const replica = new pg.Client({ connectionString: db.urlFor("analytics") });
    await replica.connect();
    await replica.query("SELECT pg_advisory_lock(71301, hashtext($1))", [live]);
    const liveRun = await phaseRun(live);
    const deadRun = await phaseRun(randomUUID());
    const legacyRun = await phaseRun(null);

    expect(await recoverAbandonedPhaseRuns(pool, log)).toBe(2);
    expect(await statusOf(liveRun)).toEqual({ status: "running", error: null, ended: false });
    for (const id of [deadRun, legacyRun]) {
      expect(await statusOf(id)).toEqual({ status: "failed", error: "interrupted: the analytics process running the phase stopped", ended: true });
    }

    // The replica dies (its session ends): the next recovery ends its record too.
    await replica.end();
    expect(await recoverAbandonedPhaseRuns(pool, log)).toBe(1);
    expect((await statusOf(liveRun)).status).toBe("failed");
    expect(await recoverAbandonedPhaseRuns(pool, log)).toBe(0);
  });

  it("claimOwnership holds the lock while the process lives and recovers at once and periodically", async () => {
    const orphan = await phaseRun(randomUUID());
    const ownership = await claimOwnership(pool, log, { recoverEveryMs: 50 });
    expect((await statusOf(orphan)).status).toBe("failed"); // at start-up
    const mine = await phaseRun(ownership.owner);
    const later = await phaseRun(randomUUID());
    await new Promise((r) => setTimeout(r, 300));
    expect((await statusOf(later)).status).toBe("failed"); // periodically
    expect((await statusOf(mine)).status).toBe("running"); // never its own

    await ownership.close();
    expect(await recoverAbandonedPhaseRuns(pool, log)).toBe(1);
    expect((await statusOf(mine)).status).toBe("failed");
  });

  it("takes its lock again when its session is terminated; a session ending after close() is no error", async () => {
    const ownership = await claimOwnership(pool, log, { recoverEveryMs: 60_000 });
    const holderPid = async () => {
      const { rows } = await db.query<{ pid: number }>(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 71301 AND objid = hashtext($1)::oid AND objsubid = 2",
        [ownership.owner],
      );
      return rows[0]?.pid ?? null;
    };
    const first = await holderPid();
    expect(first).not.toBeNull();
    await db.query("SELECT pg_terminate_backend($1)", [first]);
    await expect.poll(holderPid, { timeout: 5_000, interval: 50 }).not.toBeNull();
    expect(await holderPid()).not.toBe(first);
    const mine = await phaseRun(ownership.owner);
    expect(await recoverAbandonedPhaseRuns(pool, log)).toBe(0); // its lock is held again
    expect((await statusOf(mine)).status).toBe("running");

    // The session that held the lock goes back to the pool on close(); when it is terminated
    // there, it was released a second time (an uncaught exception, seen in CI).
    const second = await holderPid();
    await ownership.close();
    await db.query("SELECT pg_terminate_backend($1)", [second]);
    await new Promise((r) => setTimeout(r, 200));
    expect(await recoverAbandonedPhaseRuns(pool, log)).toBe(1);
    expect((await pool.query("SELECT 1 AS ok")).rows[0]).toEqual({ ok: 1 });
  });
});
