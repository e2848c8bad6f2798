import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import type { Redis } from "ioredis";
import { Code, ConnectError } from "@connectrpc/connect";
import { errorMetadata } from "@tickstock/common/errors.ts";
import { EVENTS_STREAM } from "@tickstock/common/events.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/db.ts";
import { INDICATORS_PER_SYMBOL, PATTERNS_PER_SYMBOL, startPhaseStandIns, type PhaseStandIns } from "./support-phases.ts";
import { eventually, readEvents, redisClient, redisDb, startCoordinator, type Coordinator } from "./support-coordinator.ts";

// Monday 2026-03-09, 18:00 EDT: the session of the 9th has closed.
const clock = { now: new Date("2026-03-09T22:00:00Z") };
const SP500 = ["AAPL", "JPM", "MSFT", "XOM"];

let db: TestDatabase;
let redis: Redis;
let phases: PhaseStandIns;
let coord: Coordinator;

async function rejected(p: Promise<unknown>): Promise<ConnectError> {
  try {
    await p;
  } catch (err) {
    return ConnectError.from(err);
  }
  throw new Error("expected the call to fail");
}

/** Event names with consecutive repeats (progress) collapsed. */
const sequence = (names: string[]) => names.filter((n, i) => n !== names[i - 1]);

async function runCount(): Promise<number> {
  return Number((await db.query<{ n: string }>("SELECT count(*) AS n FROM coordinator.runs")).rows[0]!.n);
}

beforeAll(async () => {
  const redisUrl = redisDb(inject("redisUrl"), 11);
  db = await createTestDatabase();
  redis = redisClient(redisUrl);
  await redis.del(EVENTS_STREAM);
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
  redis?.disconnect();
  await db?.drop();
});

describe("a manual run", () => {
  it("goes through the four phases with the contract's events in order, each carrying the run_id", async () => {
    const res = await coord.client.triggerRun({});
    expect(res).toMatchObject({ status: "started", message: "Processing started successfully" });
    await coord.runs.idle();
    await coord.publisher.flush();

    const events = await eventually(async () => {
      const e = await readEvents(redis, res.runId);
      return e.at(-1)?.event === "processing_completed" ? e : undefined;
    });
    expect(sequence(events.map((e) => e.event))).toEqual([
      "processing_started",
      "import_started",
      "import_progress",
      "import_completed",
      "cache_sync_started",
      "cache_sync_phase_completed",
      "indicator_processing_started",
      "indicator_progress",
      "indicator_processing_completed",
      "pattern_processing_started",
      "pattern_progress",
      "pattern_processing_completed",
      "processing_completed",
    ]);
    expect(events[0]).toMatchObject({
      channel: "tickstock:processing:status",
      source: "daily_scheduler",
      payload: { run_id: res.runId, run_date: "2026-03-09", status: "running", phases: ["import", "cache_sync", "indicators", "patterns"], universe: "sp500", trigger_type: "manual" },
    });
    expect(events.at(-1)!.payload).toMatchObject({
      run_id: res.runId,
      status: "completed",
      symbols_processed: SP500.length,
      indicators_calculated: SP500.length * INDICATORS_PER_SYMBOL,
      patterns_detected: SP500.length * PATTERNS_PER_SYMBOL,
    });
    expect(typeof events.at(-1)!.payload.duration_seconds).toBe("number");
  });

  it("passes the run's date to the import and the resolved universe to the analytics", () => {
    const runId = phases.calls.at(-1)!.runId;
    const calls = phases.calls.filter((c) => c.runId === runId);
    expect(calls.map((c) => c.phase)).toEqual(["import", "cache_sync", "indicators", "patterns"]);
    expect(calls[0]!.runDate).toBe("2026-03-09");
    expect(calls[1]!.runDate).toBe("2026-03-09");
    expect(calls[2]!.symbols).toEqual(SP500);
    expect(calls[3]!.symbols).toEqual(SP500);
  });

  it("shows in history and status with the phases' counts", async () => {
    const { runs } = await coord.client.listRuns({});
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ runDate: "2026-03-09", status: "completed", symbolsProcessed: 4, indicatorsCalculated: 60, patternsDetected: 8, universe: "sp500", triggerType: "manual" });
    expect(runs[0]!.durationSeconds).toBeGreaterThanOrEqual(0);
    expect(runs[0]!.endTime).toBeDefined();

    const status = await coord.client.getStatus({});
    expect(status).toMatchObject({ status: "idle", phases: [] });
    expect(status.runId).toBeUndefined();
    expect(status.currentPhase).toBeUndefined();
    expect(status.lastRun).toMatchObject({ runId: runs[0]!.runId, status: "completed" });
  });

  it("runs a universe of cache_entries, only the phases asked, in their order", async () => {
    const res = await coord.client.triggerRun({ universe: "mega_cap", phases: ["patterns", "indicators"] });
    await coord.runs.idle();
    const calls = phases.calls.filter((c) => c.runId === res.runId);
    expect(calls.map((c) => [c.phase, c.symbols])).toEqual([
      ["indicators", ["AAPL", "MSFT"]],
      ["patterns", ["AAPL", "MSFT"]],
    ]);
    const rows = await db.query("SELECT phase, status, percent_complete, attempts FROM coordinator.run_phases WHERE run_id = $1 ORDER BY position", [res.runId]);
    expect(rows.rows).toEqual([
      { phase: "indicators", status: "completed", percent_complete: 100, attempts: 1 },
      { phase: "patterns", status: "completed", percent_complete: 100, attempts: 1 },
    ]);
  });

  it("resolves nasdaq100 and all through the import service", async () => {
    const ndx = await coord.client.triggerRun({ universe: "nasdaq100", phases: ["indicators"] });
    await coord.runs.idle();
    const all = await coord.client.triggerRun({ universe: "all", phases: ["indicators"] });
    await coord.runs.idle();
    expect(phases.calls.find((c) => c.runId === ndx.runId)!.symbols).toEqual(["AAPL", "MSFT", "PDD"]);
    expect(phases.calls.find((c) => c.runId === all.runId)!.symbols).toHaveLength(6);
  });
});

describe("one active run", () => {
  it("answers a second trigger AlreadyExists with the active run's id, and status shows the run", async () => {
    phases.hang("import");
    const first = await coord.client.triggerRun({});
    const err = await rejected(coord.client.triggerRun({ universe: "nasdaq100" }));
    expect(err.code).toBe(Code.AlreadyExists);
    expect(errorMetadata(err)).toEqual({ run_id: first.runId });

    const status = await eventually(async () => {
      const s = await coord.client.getStatus({});
      return s.phases[0]?.status === "running" ? s : undefined;
    });
    expect(status).toMatchObject({ status: "running", runId: first.runId, runDate: "2026-03-09", currentPhase: "import" });
    expect(status.phases.map((p) => [p.name, p.status])).toEqual([
      ["import", "running"],
      ["cache_sync", "pending"],
      ["indicators", "pending"],
      ["patterns", "pending"],
    ]);
    expect(status.phases[0]!.startedAt).toBeDefined();
    expect((await coord.client.listRuns({ days: 1 })).runs[0]).toMatchObject({ runId: first.runId, status: "running" });
    expect((await coord.client.listRuns({ days: 1 })).runs[0]!.durationSeconds).toBeUndefined();
    await coord.client.cancelRun({});
  });

  it("is the database's rule, not only this process's", async () => {
    phases.hang("import");
    const first = await coord.client.triggerRun({});
    const insert = db.query(
      "INSERT INTO coordinator.runs (run_id, run_date, universes, trigger_type) VALUES (gen_random_uuid(), '2026-03-09', '{sp500}', 'manual')",
    );
    await expect(insert).rejects.toMatchObject({ code: "23505" });
    await coord.client.cancelRun({});
    expect((await coord.client.getStatus({})).lastRun?.runId).toBe(first.runId);
  });
});

describe("cancel", () => {
  it("aborts the phase call in flight, ends the run cancelled and skips the later phases", async () => {
    phases.hang("indicators");
    const { runId } = await coord.client.triggerRun({});
    const call = await eventually(() => phases.calls.find((c) => c.runId === runId && c.phase === "indicators"));

    const res = await coord.client.cancelRun({});
    expect(res).toEqual(expect.objectContaining({ success: true, runId, message: "Processing cancelled" }));
    await eventually(() => call.cancelled);
    expect(call.completed).toBe(false);
    expect(phases.calls.some((c) => c.runId === runId && c.phase === "patterns")).toBe(false);

    const status = await coord.client.getStatus({});
    expect(status.status).toBe("idle");
    expect(status.lastRun).toMatchObject({ runId, status: "cancelled" });
    const rows = await db.query("SELECT phase, status FROM coordinator.run_phases WHERE run_id = $1 ORDER BY position", [runId]);
    expect(rows.rows.map((r) => `${r.phase}:${r.status}`)).toEqual(["import:completed", "cache_sync:completed", "indicators:cancelled", "patterns:skipped"]);

    await coord.publisher.flush();
    const events = await eventually(async () => {
      const e = await readEvents(redis, runId);
      return e.some((x) => x.event === "processing_cancelled") ? e : undefined;
    });
    expect(events.at(-1)).toMatchObject({ event: "processing_cancelled", payload: { run_id: runId, status: "cancelled", symbols_processed: 6, indicators_calculated: 0 } });
    expect(events.some((e) => e.event === "processing_completed" || e.event === "processing_failed")).toBe(false);
  });

  it("answers Aborted (409) when nothing runs", async () => {
    const err = await rejected(coord.client.cancelRun({}));
    expect(err.code).toBe(Code.Aborted);
  });
});

describe("bad input", () => {
  it("is InvalidArgument naming the field, and stores nothing", async () => {
    const before = await runCount();
    const cases: [Parameters<typeof coord.client.triggerRun>[0], string][] = [
      [{ phases: ["import", "backfill"] }, "phases"],
      [{ runDate: "2026-3-9" }, "run_date"],
      [{ runDate: "2026-02-30" }, "run_date"],
      [{ runDate: "2026-03-10" }, "run_date"],
      [{ universe: "" }, "universe"],
    ];
    for (const [req, field] of cases) {
      const err = await rejected(coord.client.triggerRun(req));
      expect(err.code, JSON.stringify(req)).toBe(Code.InvalidArgument);
      expect(errorMetadata(err)?.field, JSON.stringify(req)).toBe(field);
    }
    for (const days of [0, 366, -1]) {
      const err = await rejected(coord.client.listRuns({ days }));
      expect(err.code).toBe(Code.InvalidArgument);
      expect(errorMetadata(err)).toEqual({ field: "days" });
    }
    expect(await runCount()).toBe(before);
  });

  it("refuses an unknown universe listing the known ones", async () => {
    const before = await runCount();
    const err = await rejected(coord.client.triggerRun({ universe: "nope" }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(errorMetadata(err)).toMatchObject({ field: "universe", universe: "nope" });
    for (const name of ["sp500", "nasdaq100", "all", "mega_cap", "dividend_aristocrats"]) expect(err.rawMessage).toContain(name);
    expect(await runCount()).toBe(before);
  });

  it("refuses a non-trading day (FailedPrecondition, 400) unless skip_market_check", async () => {
    const before = await runCount();
    const err = await rejected(coord.client.triggerRun({ runDate: "2026-03-07" }));
    expect(err.code).toBe(Code.FailedPrecondition);
    expect(err.rawMessage).toContain("not an NYSE trading day");
    expect(await runCount()).toBe(before);

    const res = await coord.client.triggerRun({ runDate: "2026-03-07", skipMarketCheck: true, phases: ["import"] });
    await coord.runs.idle();
    expect((await coord.client.listRuns({})).runs[0]).toMatchObject({ runId: res.runId, runDate: "2026-03-07", status: "completed", symbolsProcessed: 6 });
  });
});
