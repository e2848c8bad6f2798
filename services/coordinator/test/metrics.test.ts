// The coordinator's run and phase durations, and its active run in system_metrics.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { createLogger } from "@tickstock/common/log.ts";
import { registry } from "@tickstock/common/metrics.ts";
import { startSystemMetrics } from "@tickstock/common/system-metrics.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/db.ts";
import { parseMetrics, sampleValue } from "../../../test/support/metrics.ts";
import { captureEvents } from "../../../test/support/redis.ts";
import { startPhaseStandIns, type PhaseStandIns } from "./support-phases.ts";
import { eventually, redisDb, startCoordinator, type Coordinator } from "./support-coordinator.ts";

// Monday 2026-03-09, 18:00 EDT: the session of the 9th has closed.
const clock = { now: new Date("2026-03-09T22:00:00Z") };

let db: TestDatabase;
let phases: PhaseStandIns;
let coord: Coordinator;

async function counts(name: string, labels: Record<string, string>): Promise<number> {
  return sampleValue(parseMetrics(await registry.metrics()), `${name}_count`, labels) ?? 0;
}

beforeAll(async () => {
  const redisUrl = redisDb(inject("redisUrl"), 15);
  db = await createTestDatabase();
  phases = await startPhaseStandIns({ redisUrl });
  coord = await startCoordinator({ db, redisUrl, addresses: phases.addresses, clock });
});

afterEach(async () => {
  phases.reset();
  await coord.runs.idle();
});

afterAll(async () => {
  await coord?.stop();
  await phases?.stop();
  await db?.drop();
});

describe("run and phase durations", () => {
  it("records a completed run and each of its phases", async () => {
    await coord.client.triggerRun({});
    await coord.runs.idle();
    expect(await counts("tickstock_run_duration_seconds", { status: "completed" })).toBe(1);
    for (const phase of ["import", "cache_sync", "indicators", "patterns"]) {
      expect(await counts("tickstock_phase_duration_seconds", { phase, status: "completed" })).toBe(1);
    }
  });

  it("records a failed run with the phase that failed, and nothing for the phases skipped", async () => {
    phases.failNext("cache_sync", Code.FailedPrecondition, 1);
    await coord.client.triggerRun({});
    await coord.runs.idle();
    expect(await counts("tickstock_run_duration_seconds", { status: "failed" })).toBe(1);
    expect(await counts("tickstock_phase_duration_seconds", { phase: "cache_sync", status: "failed" })).toBe(1);
    expect(await counts("tickstock_phase_duration_seconds", { phase: "indicators", status: "completed" })).toBe(1);
  });
});

describe("the active run", () => {
  it("is the run in flight, in system_metrics too, and none once it is cancelled", async () => {
    const capture = await captureEvents("tickstock:monitoring");
    const monitor = startSystemMetrics({ service: "coordinator", publisher: coord.publisher, log: createLogger({ service: "coordinator-test", level: "silent" }), intervalMs: 100, activeRun: coord.runs.activeRun });
    try {
      expect(coord.runs.activeRun()).toBeNull();
      phases.hang("indicators");
      const { runId } = await coord.client.triggerRun({});
      expect(coord.runs.activeRun()).toEqual({ run_id: runId, job_id: null });
      const named = (e: { payload: Record<string, unknown> }) => (e.payload.services as Record<string, { active_run: { run_id: string } | null }>).coordinator?.active_run?.run_id === runId;
      const events = await capture.waitFor((evs) => evs.some(named));
      expect(events.find(named)).toMatchObject({ source: "daily_scheduler", payload: { services: { coordinator: { active_run: { run_id: runId, job_id: null } } } } });

      await eventually(() => phases.calls.find((c) => c.runId === runId && c.phase === "indicators"));
      await coord.client.cancelRun({});
      await coord.runs.idle();
      expect(coord.runs.activeRun()).toBeNull();
      expect(await counts("tickstock_run_duration_seconds", { status: "cancelled" })).toBe(1);
      expect(await counts("tickstock_phase_duration_seconds", { phase: "indicators", status: "cancelled" })).toBe(1);
    } finally {
      monitor.stop();
      await capture.close();
    }
  });
});
