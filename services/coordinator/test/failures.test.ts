import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import type { Redis } from "ioredis";
import { Code } from "@connectrpc/connect";
import { EVENTS_STREAM } from "@tickstock/common/events.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/db.ts";
import { startPhaseStandIns, type PhaseStandIns } from "./support-phases.ts";
import { eventually, readEvents, redisClient, redisDb, startCoordinator, type Coordinator, type StreamEvent } from "./support-coordinator.ts";

const clock = { now: new Date("2026-03-09T22:00:00Z") };

let db: TestDatabase;
let redis: Redis;
let redisUrl: string;
let phases: PhaseStandIns;
let coord: Coordinator;

async function phaseRows(runId: string) {
  const { rows } = await db.query<{ phase: string; status: string; attempts: number; error: string | null }>(
    "SELECT phase, status, attempts, error FROM coordinator.run_phases WHERE run_id = $1 ORDER BY position",
    [runId],
  );
  return rows;
}

async function endEvents(c: Coordinator, runId: string): Promise<StreamEvent[]> {
  await c.publisher.flush();
  return eventually(async () => {
    const events = await readEvents(redis, runId);
    return events.some((e) => e.event.startsWith("processing_") && e.event !== "processing_started") ? events : undefined;
  });
}

beforeAll(async () => {
  redisUrl = redisDb(inject("redisUrl"), 12);
  db = await createTestDatabase();
  redis = redisClient(redisUrl);
  await redis.del(EVENTS_STREAM);
  phases = await startPhaseStandIns({ redisUrl });
  coord = await startCoordinator({ db, redisUrl, addresses: phases.addresses, clock, policy: { retries: 2 } });
});

afterEach(async () => {
  phases.reset();
  await coord.runs.idle();
});

afterAll(async () => {
  await coord?.stop();
  await phases?.stop();
  redis?.disconnect();
  await db?.drop();
});

describe("a phase service answering UNAVAILABLE", () => {
  it("is retried with backoff, and the run completes when it recovers", async () => {
    phases.failNext("cache_sync", Code.Unavailable, 2);
    const { runId } = await coord.client.triggerRun({});
    await coord.runs.idle();
    expect((await coord.client.getStatus({})).lastRun).toMatchObject({ runId, status: "completed" });
    expect(phases.calls.filter((c) => c.runId === runId && c.phase === "cache_sync")).toHaveLength(3);
    expect((await phaseRows(runId)).map((r) => [r.phase, r.status, r.attempts])).toEqual([
      ["import", "completed", 1],
      ["cache_sync", "completed", 3],
      ["indicators", "completed", 1],
      ["patterns", "completed", 1],
    ]);
    const events = await endEvents(coord, runId);
    expect(events.at(-1)!.event).toBe("processing_completed");
    expect(events.some((e) => e.event === "error")).toBe(false);
  });

  it("fails the run after the retries: error event naming the service, later phases skipped", async () => {
    phases.failNext("indicators", Code.Unavailable, 10);
    const { runId } = await coord.client.triggerRun({});
    await coord.runs.idle();

    const rows = await phaseRows(runId);
    expect(rows.map((r) => [r.phase, r.status, r.attempts])).toEqual([
      ["import", "completed", 1],
      ["cache_sync", "completed", 1],
      ["indicators", "failed", 3],
      ["patterns", "skipped", 0],
    ]);
    expect(rows[2]!.error).toContain("analytics service");

    const events = await endEvents(coord, runId);
    const names = events.map((e) => e.event);
    expect(names.slice(-2)).toEqual(["error", "processing_failed"]);
    expect(names).not.toContain("pattern_processing_started");
    expect(events.at(-2)).toMatchObject({
      channel: "tickstock:errors",
      payload: {
        severity: "error",
        component: "analytics",
        error_code: "UNAVAILABLE",
        context: { run_id: runId, phase: "indicators", service: "tickstock.analytics.v1.AnalyticsService", grpc_code: "unavailable", attempts: 3 },
      },
    });
    expect(events.at(-1)!.payload).toMatchObject({ run_id: runId, status: "failed", symbols_processed: 6, indicators_calculated: 0 });
    expect(events.at(-1)!.payload.error).toMatch(/^indicators phase failed: analytics service: .*gave up after 3 attempts/);

    const [last] = (await coord.client.listRuns({})).runs;
    expect(last).toMatchObject({ runId, status: "failed" });
    expect(last!.error).toContain("indicators phase failed");
  });

  it("fails the run when the service is down altogether (connection refused)", async () => {
    const other = await startCoordinator({ db, redisUrl, addresses: { ...phases.addresses, analytics: "127.0.0.1:1" }, clock, policy: { retries: 1 } });
    try {
      const { runId } = await other.client.triggerRun({ phases: ["patterns"] });
      await other.runs.idle();
      const rows = await phaseRows(runId);
      expect(rows).toMatchObject([{ phase: "patterns", status: "failed", attempts: 2 }]);
      const events = await endEvents(other, runId);
      expect(events.at(-2)!.payload).toMatchObject({ component: "analytics", error_code: "UNAVAILABLE" });
    } finally {
      await other.stop();
    }
  });
});

describe("other phase failures", () => {
  it("are not retried", async () => {
    phases.failNext("import", Code.FailedPrecondition, 1);
    const { runId } = await coord.client.triggerRun({});
    await coord.runs.idle();
    expect((await phaseRows(runId)).map((r) => [r.phase, r.status, r.attempts])).toEqual([
      ["import", "failed", 1],
      ["cache_sync", "skipped", 0],
      ["indicators", "skipped", 0],
      ["patterns", "skipped", 0],
    ]);
    const events = await endEvents(coord, runId);
    expect(events.map((e) => e.event)).toEqual(["processing_started", "error", "processing_failed"]);
    expect(events[1]!.payload).toMatchObject({ component: "import", error_code: "FAILED_PRECONDITION" });
  });

  it("end the run at the phase's deadline, cancelling the call", async () => {
    const other = await startCoordinator({
      db,
      redisUrl,
      addresses: phases.addresses,
      clock,
      policy: { deadlinesMs: { import: 10_000, cache_sync: 10_000, indicators: 300, patterns: 10_000 } },
    });
    try {
      phases.hang("indicators");
      const { runId } = await other.client.triggerRun({ phases: ["indicators", "patterns"] });
      await other.runs.idle();
      expect((await phaseRows(runId)).map((r) => [r.phase, r.status])).toEqual([
        ["indicators", "failed"],
        ["patterns", "skipped"],
      ]);
      await eventually(() => phases.calls.find((c) => c.runId === runId)?.cancelled);
      const events = await endEvents(other, runId);
      expect(events.at(-2)!.payload).toMatchObject({ component: "analytics", error_code: "DEADLINE_EXCEEDED" });
      expect(events.at(-1)!.payload.error).toContain("no result within 300 ms");
    } finally {
      phases.hang(null);
      await other.stop();
    }
  });

  it("a universe without members fails the run before the analytics are called", async () => {
    const empty = await startPhaseStandIns({ redisUrl, symbols: [] });
    const other = await startCoordinator({ db, redisUrl, addresses: empty.addresses, clock });
    try {
      const res = await other.client.triggerRun({ phases: ["indicators"] });
      await other.runs.idle();
      expect(empty.calls).toHaveLength(0);
      const events = await endEvents(other, res.runId);
      expect(events.at(-2)!.payload).toMatchObject({ component: "coordinator", error_code: "EMPTY_UNIVERSE" });
      expect(events.at(-1)!.payload.error).toContain("universe sp500 has no active symbols");
    } finally {
      await other.stop();
      await empty.stop();
    }
  });
});
