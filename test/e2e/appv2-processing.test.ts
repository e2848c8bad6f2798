import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createServiceClient } from "@tickstock/common/clients.ts";
import { latestCompletedTradingDay, previousTradingDay } from "@tickstock/common/trading-calendar.ts";
import { ImportService } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { createTestDatabase, type TestDatabase } from "../support/db.ts";
import { startSystem, type RunningSystem } from "../support/system.ts";

/**
 * AppV2's own code from seed 004 (TickStockPLAPIClient, TickStockPLEventSubscriber), run with
 * Debian's python3 against the real system: every service and the gateway as their own processes.
 */

const CALENDAR = { specialClosures: ["2025-01-09"] };
const MAIN_SEQUENCE = [
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
];

let db: TestDatabase;
let system: RunningSystem;
let runDate: string;

beforeAll(async () => {
  db = await createTestDatabase();
  system = await startSystem(db);
  runDate = latestCompletedTradingDay(new Date(), CALENDAR);
  let from = previousTradingDay(runDate, CALENDAR);
  const to = from;
  for (let i = 0; i < 280; i++) from = previousTradingDay(from, CALENDAR);
  const importer = createServiceClient(ImportService, system.address("import"));
  for await (const _ of importer.runImport({ fromDate: from, toDate: to })) void _;
}, 180_000);

afterAll(async () => {
  await system?.stop();
  await db?.drop();
});

describe("AppV2's seed 004 client and subscriber against the real gateway", () => {
  it("triggers a run, sees every event in the contract's order, reads status and history, cancels a second run", async () => {
    const redis = new URL(inject("redisUrl"));
    const script = fileURLToPath(new URL("./appv2/run_processing.py", import.meta.url));
    const { stdout } = await promisify(execFile)("/usr/bin/python3", [script, system.gatewayUrl, redis.hostname, redis.port], { timeout: 240_000, maxBuffer: 64 * 1024 * 1024 });
    const out = JSON.parse(stdout);

    expect(out.trigger).toMatchObject({ status: "started", message: "Processing started successfully" });
    const runId: string = out.trigger.run_id;
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.finished).toBe(true);

    const mine = (out.seen as { channel: string; event: string; payload: Record<string, unknown> }[]).filter((s) => s.payload.run_id === runId);
    const main = mine.map((s) => s.event).filter((e) => MAIN_SEQUENCE.includes(e) || e === "cache_sync_progress");
    const collapsed = main.filter((e) => e !== "cache_sync_progress").filter((e, i, all) => !(e.endsWith("_progress") && all[i - 1] === e));
    expect(collapsed).toEqual(MAIN_SEQUENCE);
    const started = mine.find((s) => s.event === "processing_started")!;
    expect(started.channel).toBe("tickstock:processing:status");
    expect(started.payload).toMatchObject({ run_id: runId, run_date: runDate, status: "running", trigger_type: "manual", phases: ["import", "cache_sync", "indicators", "patterns"] });
    const completed = mine.find((s) => s.event === "processing_completed")!;
    expect(completed.payload).toMatchObject({ run_id: runId, status: "completed" });
    expect(completed.payload.indicators_calculated as number).toBeGreaterThan(0);
    expect(mine.filter((s) => s.event === "indicator_calculated").length).toBeGreaterThan(0);

    // What AppV2 pushes to its admin page came through its own handlers.
    const emitted = out.emitted as { name: string; data: Record<string, unknown> }[];
    expect(emitted.some((e) => e.name === "processing_status" && e.data.type === "processing_started" && e.data.run_id === runId)).toBe(true);
    expect(emitted.some((e) => e.name === "import_complete")).toBe(true);

    expect(out.status_after).toMatchObject({ status: "idle", run_id: null, current_phase: null });
    expect(out.status_after.last_run).toMatchObject({ run_id: runId, status: "completed", run_date: runDate });
    const row = out.history.runs.find((r: { run_id: string }) => r.run_id === runId);
    expect(Object.keys(row)).toEqual(expect.arrayContaining(["run_id", "run_date", "start_time", "end_time", "status", "symbols_processed", "patterns_detected", "indicators_calculated", "duration_seconds"]));
    expect(row.indicators_calculated).toBe(completed.payload.indicators_calculated);
    expect(typeof row.duration_seconds).toBe("number");

    expect(out.second_trigger.status).toBe("started");
    expect(out.status_during.status).toBe("running");
    expect(out.cancel).toMatchObject({ success: true, run_id: out.second_trigger.run_id });
    expect(out.second_finished).toBe(true);
    const cancelled = (out.seen as { event: string; payload: Record<string, unknown> }[]).find((s) => s.payload.run_id === out.second_trigger.run_id && s.event.startsWith("processing_") && s.event !== "processing_started");
    expect(cancelled?.event).toBe("processing_cancelled");
    expect(out.cancel_again).toMatchObject({ success: false, error: { code: "aborted" } });
  }, 300_000);
});
