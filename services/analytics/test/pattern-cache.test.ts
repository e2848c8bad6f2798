// The patterns phase of a date after its indicators phase, over unchanged bars, stores exactly what
// computing them in full stores, without reading the bars again (no worker task); once the bars
// change in between, it computes in full.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AnalyticsService } from "@tickstock/gen/tickstock/analytics/v1/analytics_pb.js";
import { createTestDatabase, type TestDatabase } from "../../../test/support/db.ts";
import { captureEvents } from "../../../test/support/redis.ts";
import { createServiceClient, type ServiceHarness } from "../../../test/support/services.ts";
import { PatternCache } from "../src/pattern-cache.ts";
import { createWorkerPool, type PhaseTask, type WorkerPool } from "../src/worker-pool.ts";
import { importBars, startAnalytics, startImport, type AnalyticsHarness } from "./harness.ts";

const RUN_DATE = "2025-03-14";
let db: TestDatabase;
let importSvc: ServiceHarness;
let analytics: AnalyticsHarness;
let client: ReturnType<typeof createServiceClient<typeof AnalyticsService>>;
const tasks: PhaseTask[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  importSvc = await startImport(db, { seed: 5, symbols: 200 });
  await importBars(importSvc.address, "2024-03-01", RUN_DATE);
  const pool = createWorkerPool(2, { importAddress: importSvc.address });
  const counting: WorkerPool = { ...pool, size: pool.size, capacity: pool.capacity, run: (task, signal) => (tasks.push(task), pool.run(task, signal)) };
  analytics = await startAnalytics(db, importSvc.address, { batchSymbols: 40, patternCache: new PatternCache(), workers: counting });
  client = createServiceClient(AnalyticsService, analytics.address);
}, 180_000);

afterAll(async () => {
  await analytics?.stop();
  await importSvc?.stop();
  await db?.drop();
});

async function runPhase(kind: "indicators" | "patterns", runId: string) {
  const call = kind === "indicators" ? client.runIndicators({ runId, runDate: RUN_DATE, universe: "all" }) : client.runPatterns({ runId, runDate: RUN_DATE, universe: "all" });
  let result: unknown;
  for await (const m of call) if (m.event.case === "result") result = m.event.value;
  return result as { totalSymbols: number; successfulSymbols: number; skippedSymbols: number; patternsDetected?: number; successRate?: number };
}

const stored = async () =>
  (
    await db.query<{ row: string }>(
      "SELECT symbol || ' ' || pattern || ' ' || direction || ' ' || confidence AS row FROM analytics.pattern_detections WHERE date = $1 ORDER BY 1",
      [RUN_DATE],
    )
  ).rows.map((r) => r.row);

const tasksOf = (kind: string) => tasks.filter((t) => t.kind === kind).length;

describe("patterns from the indicators phase of the same date", () => {
  it("stores what the full computation stores, publishes the same events, and reads no bar", async () => {
    // In full first: no indicators phase ran yet.
    const full = await runPhase("patterns", "full");
    expect(tasksOf("patterns")).toBeGreaterThan(0);
    const fullRows = await stored();
    expect(fullRows.length).toBeGreaterThan(0);

    await runPhase("indicators", "ind");
    expect(tasks.filter((t) => t.kind === "indicators").every((t) => t.alsoPatterns)).toBe(true);
    const before = tasksOf("patterns");
    const capture = await captureEvents();
    const reused = await runPhase("patterns", "reused");
    expect(tasksOf("patterns")).toBe(before); // no worker task: no bar read
    expect(reused).toEqual({ ...full, durationSeconds: expect.any(Number) } as never);
    expect(await stored()).toEqual(fullRows);
    const events = await capture.waitFor((all) => all.some((e) => e.event === "pattern_processing_completed" && e.payload.run_id === "reused"));
    await capture.close();
    const detected = events.filter((e) => e.event === "pattern_detected" && e.payload.run_id === "reused");
    expect(detected).toHaveLength(full.patternsDetected!);
  });

  it("computes in full once the bars changed after the indicators phase", async () => {
    await runPhase("indicators", "ind-2");
    // A correction of one bar of the run date (any write of the bars changes their version).
    const { rows } = await db.query<{ symbol: string }>("SELECT symbol FROM ohlcv_daily WHERE date = $1 ORDER BY symbol LIMIT 1", [RUN_DATE]);
    await db.query("UPDATE ohlcv_daily SET close = (high + low) / 2 WHERE symbol = $1 AND date = $2", [rows[0]!.symbol, RUN_DATE]);
    const before = tasksOf("patterns");
    await runPhase("patterns", "after-change");
    expect(tasksOf("patterns")).toBeGreaterThan(before);
  });
});
