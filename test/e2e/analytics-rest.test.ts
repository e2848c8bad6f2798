// The analytics reads through the gateway (REST with X-API-Key): GET
// /api/analytics/indicators/{symbol} and GET /api/analytics/patterns answer proto JSON with the
// proto's snake_case names, and bad input answers CONTRACT §2.4's error body (400/404/401).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DescService } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { createServiceClient } from "@tickstock/common/clients.ts";
import { createLogger } from "@tickstock/common/log.ts";
import { AnalyticsService } from "@tickstock/gen/tickstock/analytics/v1/analytics_pb.js";
import { ImportService } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { createGateway } from "../../gateway/src/server.ts";
import { INDICATOR_NAMES, PATTERN_NAMES } from "../../services/analytics/src/compute.ts";
import { importBars, startAnalytics, startImport, type AnalyticsHarness } from "../../services/analytics/test/harness.ts";
import { createTestDatabase, type TestDatabase } from "../support/db.ts";
import type { ServiceHarness } from "../support/services.ts";

const KEY = "tickstock-cache-sync-2025";
const RUN_DATE = "2025-06-30";
let db: TestDatabase;
let importSvc: ServiceHarness;
let analytics: AnalyticsHarness;
let gateway: ReturnType<typeof createGateway>;
let base: string;
let symbol: string;

beforeAll(async () => {
  db = await createTestDatabase();
  importSvc = await startImport(db, { seed: 5, symbols: 60 });
  await importBars(importSvc.address, "2025-01-02", RUN_DATE);
  analytics = await startAnalytics(db, importSvc.address);
  const phases = createServiceClient(AnalyticsService, analytics.address);
  for await (const _ of phases.runPatterns({ runId: "run-e2e", runDate: RUN_DATE })) void _;
  const { rows } = await db.query<{ symbol: string }>("SELECT symbol FROM analytics.pattern_detections WHERE date = $1 ORDER BY symbol LIMIT 1", [RUN_DATE]);
  symbol = rows[0]!.symbol;
  gateway = createGateway({
    log: createLogger({ service: "gateway", level: "silent" }),
    apiKeys: [KEY],
    upstreams: [
      { service: AnalyticsService, client: createServiceClient(AnalyticsService, analytics.address) as Client<DescService> },
      { service: ImportService, client: createServiceClient(ImportService, importSvc.address) as Client<DescService> },
    ],
    healthProbes: {},
    upstreamTimeoutMs: 10_000,
    maxBodyBytes: 1024 * 1024,
  });
  base = `http://127.0.0.1:${await gateway.listen("127.0.0.1", 0)}`;
}, 120_000);

afterAll(async () => {
  await gateway?.close(500);
  await analytics?.stop();
  await importSvc?.stop();
  await db?.drop();
});

async function get(path: string, key: string | null = KEY) {
  const res = await fetch(`${base}${path}`, { headers: key === null ? {} : { "x-api-key": key } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function expectError(res: { status: number; body: Record<string, unknown> }, status: number, code: string, details?: Record<string, string>) {
  expect(res.status).toBe(status);
  expect(Object.keys(res.body)).toEqual(["success", "error"]);
  expect(res.body.success).toBe(false);
  const error = res.body.error as Record<string, unknown>;
  expect(error.code).toBe(code);
  expect(typeof error.message).toBe("string");
  if (details) expect(error.details).toEqual(details);
}

describe("GET /api/analytics/indicators/{symbol}", () => {
  it("answers 200 with symbol, from, to and points of {date, values} keyed by snake_case indicator names", async () => {
    const res = await get(`/api/analytics/indicators/${symbol.toLowerCase()}?from=2025-06-16&to=${RUN_DATE}`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(["symbol", "from", "to", "points"]);
    expect(res.body).toMatchObject({ symbol, from: "2025-06-16", to: RUN_DATE });
    const points = res.body.points as { date: string; values: Record<string, unknown> }[];
    expect(points.length).toBeGreaterThanOrEqual(10);
    expect(Object.keys(points[0])).toEqual(["date", "values"]);
    expect(points.at(-1)!.date).toBe(RUN_DATE);
    const values = points.at(-1)!.values;
    expect(Object.keys(values).every((k) => INDICATOR_NAMES.includes(k))).toBe(true);
    expect(values).toMatchObject({ sma_50: expect.any(Number), rsi_14: expect.any(Number), macd_signal: expect.any(Number), bb_upper: expect.any(Number) });
    expect(values.sma_200).toBeUndefined(); // ~120 bars of history: not defined yet, so absent
  });

  it("answers 404 for an unknown symbol and 400 for bad dates and ranges, with the contract's error body", async () => {
    expectError(await get("/api/analytics/indicators/ZZZZZ"), 404, "not_found", { symbol_id: "ZZZZZ" });
    expectError(await get(`/api/analytics/indicators/${symbol}?from=2025-06-30&to=2025-06-01`), 400, "invalid_argument", { field: "from" });
    expectError(await get(`/api/analytics/indicators/${symbol}?from=2010-01-01&to=2025-06-01`), 400, "invalid_argument", { field: "to" });
    expectError(await get(`/api/analytics/indicators/${symbol}?from=June`), 400, "invalid_argument", { field: "from" });
    expectError(await get(`/api/analytics/indicators/${symbol}?since=2025-01-01`), 400, "invalid_argument", { field: "since" });
    expectError(await get(`/api/analytics/indicators/${symbol}`, null), 401, "unauthenticated");
  });
});

describe("GET /api/analytics/patterns", () => {
  it("answers 200 with date, patterns, total, limit, offset; the latest date by default", async () => {
    const res = await get("/api/analytics/patterns");
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(["date", "patterns", "total", "limit", "offset"]);
    expect(res.body).toMatchObject({ date: RUN_DATE, limit: 100, offset: 0 });
    const patterns = res.body.patterns as Record<string, unknown>[];
    expect(patterns.length).toBeGreaterThan(0);
    expect(Object.keys(patterns[0])).toEqual(["symbol", "date", "pattern", "direction", "confidence"]);
    expect(PATTERN_NAMES).toContain(patterns[0].pattern);
    expect(typeof patterns[0].confidence).toBe("number");
    expect(res.body.total).toBeGreaterThanOrEqual(patterns.length);
  });

  it("filters by symbol, pattern and direction, and pages", async () => {
    const res = await get(`/api/analytics/patterns?date=${RUN_DATE}&symbol=${symbol}&limit=1&offset=0`);
    expect(res.status).toBe(200);
    const [first] = res.body.patterns as { symbol: string; pattern: string; direction: string }[];
    expect(first.symbol).toBe(symbol);
    const narrowed = await get(`/api/analytics/patterns?date=${RUN_DATE}&symbol=${symbol}&pattern=${first.pattern}&direction=${first.direction}`);
    expect(narrowed.body).toMatchObject({ total: 1, limit: 100, offset: 0, patterns: [first] });
  });

  it("answers 400 for an unknown pattern or direction, a bad date, limit or offset", async () => {
    expectError(await get("/api/analytics/patterns?pattern=hammerhead"), 400, "invalid_argument", { field: "pattern" });
    expectError(await get("/api/analytics/patterns?direction=up"), 400, "invalid_argument", { field: "direction" });
    expectError(await get("/api/analytics/patterns?date=2025-02-30"), 400, "invalid_argument", { field: "date" });
    expectError(await get("/api/analytics/patterns?limit=0"), 400, "invalid_argument", { field: "limit" });
    expectError(await get("/api/analytics/patterns?limit=5000"), 400, "invalid_argument", { field: "limit" });
    expectError(await get("/api/analytics/patterns?limit=ten"), 400, "invalid_argument", { field: "limit" });
    expectError(await get("/api/analytics/patterns?offset=-1"), 400, "invalid_argument", { field: "offset" });
  });
});
