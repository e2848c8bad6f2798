import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import type { Redis } from "ioredis";
import { EVENTS_STREAM } from "@tickstock/common/events.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/db.ts";
import * as store from "../src/store/index.ts";
import { startPhaseStandIns, type PhaseStandIns } from "./support-phases.ts";
import { eventually, readEvents, redisClient, redisDb, startCoordinator, type Coordinator } from "./support-coordinator.ts";

const clock = { now: new Date("2026-03-09T22:00:00Z") };

let db: TestDatabase;
let redis: Redis;
let redisUrl: string;
let phases: PhaseStandIns;
const started: Coordinator[] = [];

async function coordinator(opts: { recoveryMaxAgeMs?: number; staleAfterMs?: number } = {}): Promise<Coordinator> {
  const c = await startCoordinator({ db, redisUrl, addresses: phases.addresses, clock, heartbeatMs: 100, staleAfterMs: 400, ...opts });
  started.push(c);
  return c;
}

type PhaseSeed = [string, "completed" | "running" | "pending", Record<string, number>?];

/** A run as a coordinator process would have left it (as the superuser, not through the service). */
async function seedRun(opts: { owner: string | null; startedAgo: string; heartbeatAgo: string; phases: PhaseSeed[] }): Promise<string> {
  const runId = randomUUID();
  await db.query(
    `INSERT INTO coordinator.runs (run_id, run_date, universes, trigger_type, owner_id, started_at, heartbeat_at, symbols_processed)
     VALUES ($1, '2026-03-09', '{sp500}', 'automatic', $2, now() - $3::interval, now() - $4::interval, 6)`,
    [runId, opts.owner, opts.startedAgo, opts.heartbeatAgo],
  );
  for (const [i, [phase, status, result]] of opts.phases.entries()) {
    await db.query(
      `INSERT INTO coordinator.run_phases (run_id, phase, position, status, started_at, ended_at, percent_complete, attempts, result)
       VALUES ($1, $2, $3, $4, CASE WHEN $4 <> 'pending' THEN now() END, CASE WHEN $4 = 'completed' THEN now() END,
               CASE WHEN $4 = 'completed' THEN 100 ELSE 0 END, CASE WHEN $4 = 'pending' THEN 0 ELSE 1 END, $5)`,
      [runId, phase, i + 1, status, result ? JSON.stringify(result) : null],
    );
  }
  return runId;
}

async function runRow(runId: string) {
  return (await db.query("SELECT status, owner_id, error, resumed_count FROM coordinator.runs WHERE run_id = $1", [runId])).rows[0]!;
}

async function phaseStates(runId: string): Promise<string[]> {
  const { rows } = await db.query("SELECT phase, status FROM coordinator.run_phases WHERE run_id = $1 ORDER BY position", [runId]);
  return rows.map((r) => `${r.phase}:${r.status}`);
}

beforeAll(async () => {
  redisUrl = redisDb(inject("redisUrl"), 13);
  db = await createTestDatabase();
  redis = redisClient(redisUrl);
  await redis.del(EVENTS_STREAM);
  phases = await startPhaseStandIns({ redisUrl });
});

afterEach(async () => {
  phases.reset();
  for (const c of started.splice(0)) await c.stop();
  await db.query("UPDATE coordinator.runs SET status = 'failed', ended_at = now() WHERE status = 'running'");
});

afterAll(async () => {
  await phases?.stop();
  redis?.disconnect();
  await db?.drop();
});

describe("crash recovery on start", () => {
  it("resumes a run of a dead owner from the first phase that did not complete", async () => {
    const runId = await seedRun({
      owner: "crashed-host:4242",
      startedAgo: "10 minutes",
      heartbeatAgo: "9 minutes",
      phases: [["import", "completed", { successful_symbols: 6 }], ["cache_sync", "completed", { total_changes: 1 }], ["indicators", "running"], ["patterns", "pending"]],
    });
    const c = await coordinator();
    await c.runs.idle();

    expect(phases.calls.filter((call) => call.runId === runId).map((call) => call.phase)).toEqual(["indicators", "patterns"]);
    expect(await runRow(runId)).toMatchObject({ status: "completed", owner_id: null, resumed_count: 1 });
    expect(await phaseStates(runId)).toEqual(["import:completed", "cache_sync:completed", "indicators:completed", "patterns:completed"]);
    const [last] = (await c.client.listRuns({})).runs;
    expect(last).toMatchObject({ runId, status: "completed", symbolsProcessed: 4, indicatorsCalculated: 60, patternsDetected: 8, triggerType: "automatic" });

    await c.publisher.flush();
    const events = await eventually(async () => {
      const e = await readEvents(redis, runId);
      return e.at(-1)?.event === "processing_completed" ? e : undefined;
    });
    expect(events[0]).toMatchObject({ event: "error", payload: { severity: "warning", error_code: "RUN_RESUMED", context: { run_id: runId, phase: "indicators", previous_owner: "crashed-host:4242" } } });
  });

  it("ends failed, with the reason, a run of a dead owner older than the recovery limit", async () => {
    const runId = await seedRun({
      owner: "crashed-host:4242",
      startedAgo: "2 days",
      heartbeatAgo: "2 days",
      phases: [["import", "completed", { successful_symbols: 6 }], ["cache_sync", "running"], ["indicators", "pending"], ["patterns", "pending"]],
    });
    const c = await coordinator({ recoveryMaxAgeMs: 12 * 3_600_000 });
    await c.runs.idle();

    const row = await runRow(runId);
    expect(row.status).toBe("failed");
    expect(row.error).toContain("abandoned");
    expect(await phaseStates(runId)).toEqual(["import:completed", "cache_sync:failed", "indicators:skipped", "patterns:skipped"]);
    expect(phases.calls.some((call) => call.runId === runId)).toBe(false);

    await c.publisher.flush();
    const events = await eventually(async () => {
      const e = await readEvents(redis, runId);
      return e.at(-1)?.event === "processing_failed" ? e : undefined;
    });
    expect(events.map((e) => e.event)).toEqual(["error", "processing_failed"]);
    expect(events[0]!.payload).toMatchObject({ component: "coordinator", error_code: "RUN_ABANDONED" });
    expect(events[1]!.payload).toMatchObject({ status: "failed", symbols_processed: 6 });
  });
});

describe("ownership", () => {
  it("leaves a live owner's run alone, and takes it over once its heartbeat stops", async () => {
    const runId = await seedRun({ owner: "other-live-host:1", startedAgo: "1 minute", heartbeatAgo: "0 seconds", phases: [["import", "running"], ["cache_sync", "pending"]] });
    const c = await coordinator({ staleAfterMs: 1500 });
    // Several sweeps while the other owner's heartbeat is fresh: untouched.
    for (let i = 0; i < 3; i++) {
      await db.query("UPDATE coordinator.runs SET heartbeat_at = now() WHERE run_id = $1", [runId]);
      await new Promise((r) => setTimeout(r, 150));
    }
    expect(await runRow(runId)).toMatchObject({ status: "running", owner_id: "other-live-host:1" });

    // The other owner dies: its heartbeat ages past the limit and a sweep adopts the run.
    await eventually(async () => (await runRow(runId)).status === "completed", 5000);
    expect(await runRow(runId)).toMatchObject({ resumed_count: 1 });
    expect(phases.calls.filter((call) => call.runId === runId).map((call) => call.phase)).toEqual(["import", "cache_sync"]);

    // The old owner, were it still around, can no longer change the run.
    expect(await store.startPhaseAttempt(c.pool, runId, "import", "other-live-host:1", true)).toBe(false);
    expect(await store.finishRun(c.pool, runId, { ownerId: "other-live-host:1" }, { status: "failed", error: "x", phaseStatus: "failed", phaseError: "x" })).toBeNull();
  });

  it("a gracefully stopped coordinator releases its run and the next one resumes it", async () => {
    const first = await coordinator();
    phases.hang("cache_sync");
    const { runId } = await first.client.triggerRun({});
    await eventually(() => phases.calls.find((call) => call.runId === runId && call.phase === "cache_sync"));
    await first.stop();
    started.splice(started.indexOf(first), 1);

    expect(await runRow(runId)).toMatchObject({ status: "running", owner_id: null });
    expect(await phaseStates(runId)).toEqual(["import:completed", "cache_sync:pending", "indicators:pending", "patterns:pending"]);

    phases.hang(null);
    const second = await coordinator();
    await second.runs.idle();
    expect(await runRow(runId)).toMatchObject({ status: "completed", resumed_count: 1 });
    const calls = phases.calls.filter((call) => call.runId === runId).map((call) => call.phase);
    expect(calls).toEqual(["import", "cache_sync", "cache_sync", "indicators", "patterns"]);
  });

  it("cancels at once a run whose owner is dead", async () => {
    const runId = await seedRun({ owner: "crashed-host:7", startedAgo: "1 minute", heartbeatAgo: "1 hour", phases: [["import", "running"]] });
    const c = await startCoordinator({ db, redisUrl, addresses: phases.addresses, clock, background: false, staleAfterMs: 400 });
    started.push(c);
    const res = await c.client.cancelRun({});
    expect(res).toMatchObject({ success: true, runId, message: "Processing cancelled" });
    expect(await runRow(runId)).toMatchObject({ status: "cancelled" });
    expect(await phaseStates(runId)).toEqual(["import:cancelled"]);
  });
});
