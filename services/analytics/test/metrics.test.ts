// Analytics' observability: indicator and pattern rows counted as committed, and the phase in
// flight as the active run.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "@tickstock/common/metrics.ts";
import { createActivityTracker } from "@tickstock/common/system-metrics.ts";
import { AnalyticsService } from "@tickstock/gen/tickstock/analytics/v1/analytics_pb.js";
import { createTestDatabase, type TestDatabase } from "../../../test/support/db.ts";
import { parseMetrics, sampleValue } from "../../../test/support/metrics.ts";
import { createServiceClient, type ServiceHarness } from "../../../test/support/services.ts";
import { importBars, startAnalytics, startImport, type AnalyticsHarness } from "./harness.ts";

const RUN_DATE = "2025-03-31";
let db: TestDatabase;
let importSvc: ServiceHarness;
let analytics: AnalyticsHarness;
let client: ReturnType<typeof createServiceClient<typeof AnalyticsService>>;
const activity = createActivityTracker();

async function written(table: string): Promise<number> {
  return sampleValue(parseMetrics(await registry.metrics()), "tickstock_rows_written_total", { table }) ?? 0;
}

async function count(sql: string): Promise<number> {
  return Number((await db.query<{ n: string }>(sql, [RUN_DATE])).rows[0]!.n);
}

beforeAll(async () => {
  db = await createTestDatabase();
  importSvc = await startImport(db, { seed: 5, symbols: 60 });
  await importBars(importSvc.address, "2024-09-02", RUN_DATE);
  analytics = await startAnalytics(db, importSvc.address, { batchSymbols: 10, activity });
  client = createServiceClient(AnalyticsService, analytics.address);
});

afterAll(async () => {
  await analytics?.stop();
  await importSvc?.stop();
  await db?.drop();
});

describe("analytics metrics", () => {
  it("names the phase in flight as the active run, and counts the indicator rows it committed", async () => {
    const active: unknown[] = [];
    for await (const msg of client.runIndicators({ runId: "run-metrics-ind", runDate: RUN_DATE, universe: "all" })) {
      if (msg.event.case === "progress" && active.length === 0) active.push(activity.current());
    }
    expect(active).toEqual([{ run_id: "run-metrics-ind", job_id: null, phase: "indicators" }]);
    expect(activity.current()).toBeNull();
    expect(await written("indicator_values")).toBe(await count("SELECT count(*) AS n FROM analytics.indicator_values WHERE date = $1"));
    expect(await written("indicator_values")).toBeGreaterThan(0);
  });

  it("counts the pattern rows committed", async () => {
    for await (const msg of client.runPatterns({ runId: "run-metrics-pat", runDate: RUN_DATE, universe: "all" })) void msg;
    expect(await written("pattern_detections")).toBe(await count("SELECT count(*) AS n FROM analytics.pattern_detections WHERE date = $1"));
    expect(await written("pattern_detections")).toBeGreaterThan(0);
    expect(activity.current()).toBeNull();
  });
});
