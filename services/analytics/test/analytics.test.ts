// The analytics service over gRPC with the real import service (a synthetic market of 300
// symbols, ~315 trading days imported), real Postgres and Redis: both phases store what the
// pure core computes over the same bars and publish CONTRACT §3's events; re-runs replace;
// broken symbols are skipped, counted and warned; cancel keeps committed batches; the reads
// answer and refuse bad input.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { errorMetadata } from "@tickstock/common/errors.ts";
import { dayNumber } from "@tickstock/common/trading-calendar.ts";
import { AnalyticsService, type RunIndicatorsResponse, type RunPatternsResponse } from "@tickstock/gen/tickstock/analytics/v1/analytics_pb.js";
import { ImportService } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { createTestDatabase, type TestDatabase } from "../../../test/support/db.ts";
import { captureEvents, type CapturedEvent } from "../../../test/support/redis.ts";
import { createServiceClient, type ServiceHarness } from "../../../test/support/services.ts";
import { packSeries, seriesAt, skipReason } from "../src/batch.ts";
import { DEFAULT_PATTERN_CONFIG, INDICATOR_NAMES, computeIndicators, detectPatterns, type BarSeries } from "../src/compute.ts";
import { importBars, startAnalytics, startImport, type AnalyticsHarness } from "./harness.ts";

const RUN_DATE = "2025-06-30";
const CANCEL_DATE = "2025-06-27";
/** Lists on 2025-06-09 in this market (seed 3): 15 bars on the run date, too short. */
const IPO = "OAKV";
/** Delisted on 2025-05-27: no bar on the run date. */
const DELISTED = "OKM";

let db: TestDatabase;
let importSvc: ServiceHarness;
let analytics: AnalyticsHarness;
let client: ReturnType<typeof createServiceClient<typeof AnalyticsService>>;
let bars: Map<string, BarSeries>;
let onRunDate: string[];

type PhaseResponse = RunIndicatorsResponse | RunPatternsResponse;

async function collect<R extends PhaseResponse>(stream: AsyncIterable<R>) {
  const progress = [];
  let result: Extract<R["event"], { case: "result" }>["value"] | undefined;
  for await (const msg of stream) {
    if (msg.event.case === "progress") progress.push(msg.event.value);
    else if (msg.event.case === "result") result = msg.event.value as typeof result;
  }
  return { progress, result: result! };
}

async function failure(p: Promise<unknown> | AsyncIterable<unknown>): Promise<{ code: Code | "ok"; field?: string }> {
  try {
    if (Symbol.asyncIterator in (p as object)) for await (const _ of p as AsyncIterable<unknown>) void _;
    else await p;
    return { code: "ok" };
  } catch (err) {
    const e = ConnectError.from(err);
    return { code: e.code, field: errorMetadata(e)?.field };
  }
}

/** Every symbol's bars up to the run date, read as the service reads them. */
async function readAllBars(address: string): Promise<Map<string, BarSeries>> {
  const out = new Map<string, BarSeries>();
  for await (const msg of createServiceClient(ImportService, address).listBars({ toDate: RUN_DATE, batchSize: 1000 })) {
    const batch = packSeries(msg.series);
    msg.series.forEach((s, k) => out.set(s.symbol, seriesAt(batch, k)));
  }
  return out;
}

const ofRun = (events: CapturedEvent[], runId: string) => events.filter((e) => e.payload.run_id === runId || (e.payload.context as { run_id?: string } | undefined)?.run_id === runId);

beforeAll(async () => {
  db = await createTestDatabase();
  importSvc = await startImport(db, { seed: 3, symbols: 300 });
  await importBars(importSvc.address, "2024-04-01", RUN_DATE);
  analytics = await startAnalytics(db, importSvc.address, { batchSymbols: 64, maxSkipWarnings: 5 });
  client = createServiceClient(AnalyticsService, analytics.address);
  bars = await readAllBars(importSvc.address);
  const { rows } = await db.query<{ symbol: string }>("SELECT symbol FROM ohlcv_daily WHERE date = $1 ORDER BY symbol", [RUN_DATE]);
  onRunDate = rows.map((r) => r.symbol);
}, 180_000);

afterAll(async () => {
  await analytics?.stop();
  await importSvc?.stop();
  await db?.drop();
});

describe("the schema", () => {
  it("has one indicator column per INDICATOR_NAMES entry, in order, and lets AppV2's reader role read the results", async () => {
    const { rows } = await db.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_schema = 'analytics' AND table_name = 'indicator_values' ORDER BY ordinal_position",
    );
    expect(rows.map((r) => r.column_name)).toEqual(["date", "symbol", "run_id", ...INDICATOR_NAMES]);
    const { rows: grants } = await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.role_table_grants WHERE grantee = 'tickstock_reader' AND table_schema = 'analytics' AND privilege_type = 'SELECT' ORDER BY 1",
    );
    expect(grants.map((g) => g.table_name)).toEqual(["indicator_values", "pattern_detections"]);
  });
});

describe("RunIndicators", () => {
  it("stores the run date's values of every computable symbol, equal to computeIndicators over the same bars, and publishes the contract events in order", async () => {
    const capture = await captureEvents();
    const { progress, result } = await collect(client.runIndicators({ runId: "run-ind-1", runDate: RUN_DATE, universe: "all" }));
    const computable = onRunDate.filter((s) => skipReason(bars.get(s)!, dayNumber(RUN_DATE)) === null);
    expect(onRunDate).toContain(IPO);
    expect(computable).not.toContain(IPO);
    expect(result).toMatchObject({ totalSymbols: onRunDate.length, successfulSymbols: computable.length, skippedSymbols: onRunDate.length - computable.length });
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress.at(-1)).toMatchObject({ completedSymbols: onRunDate.length, totalSymbols: onRunDate.length, percentComplete: 100 });

    // TA-Lib parity carries through storage: every stored double is the computed one, NULL where NaN.
    const { rows } = await db.query<Record<string, string | number | null>>("SELECT * FROM analytics.indicator_values WHERE date = $1 ORDER BY symbol", [RUN_DATE]);
    expect(rows.map((r) => r.symbol)).toEqual(computable);
    let values = 0;
    for (const row of rows) {
      const series = bars.get(row.symbol as string)!;
      const expected = computeIndicators(series);
      const last = series.close.length - 1;
      for (const name of INDICATOR_NAMES) {
        const v = expected[name][last];
        expect(row[name], `${row.symbol} ${name}`).toBe(Number.isNaN(v) ? null : v);
        if (!Number.isNaN(v)) values++;
      }
      expect(row.run_id).toBe("run-ind-1");
    }
    expect(result.indicatorsCalculated).toBe(values);
    // Some symbols of the market are young: SMA 200 is NULL for them, never 0.
    expect(rows.some((r) => r.sma_200 === null)).toBe(true);

    const events = ofRun(await capture.waitFor((es) => es.some((e) => e.event === "indicator_processing_completed" && e.payload.run_id === "run-ind-1")), "run-ind-1");
    await capture.close();
    const phaseEvents = events.filter((e) => e.event !== "indicator_calculated" && e.event !== "error").map((e) => e.event);
    expect(phaseEvents[0]).toBe("indicator_processing_started");
    expect(phaseEvents.at(-1)).toBe("indicator_processing_completed");
    expect(phaseEvents.slice(1, -1).every((n) => n === "indicator_progress")).toBe(true);
    expect(phaseEvents.length).toBeGreaterThanOrEqual(3);
    const byName = (n: string) => events.filter((e) => e.event === n);
    expect(byName("indicator_processing_started")[0]).toMatchObject({ channel: "tickstock:indicators:started", version: "1.0", payload: { run_id: "run-ind-1", total_symbols: onRunDate.length } });
    expect(byName("indicator_progress")[0].channel).toBe("tickstock:indicators:progress");
    expect(Object.keys(byName("indicator_progress")[0].payload)).toEqual(expect.arrayContaining(["run_id", "completed_symbols", "total_symbols", "percent_complete", "eta_seconds"]));
    expect(byName("indicator_processing_completed")[0]).toMatchObject({
      channel: "tickstock:indicators:completed",
      payload: { run_id: "run-ind-1", total_symbols: onRunDate.length, indicators_calculated: values, duration_seconds: expect.any(Number) },
    });
    const calculated = byName("indicator_calculated");
    expect(calculated).toHaveLength(computable.length);
    expect(calculated[0].channel).toBe("tickstock:indicators:calculated");
    const sample = calculated.find((e) => e.payload.symbol === computable[0])!;
    const stored = rows[0];
    expect(sample.payload).toEqual({
      run_id: "run-ind-1",
      symbol: computable[0],
      date: RUN_DATE,
      indicators: Object.fromEntries(INDICATOR_NAMES.filter((n) => stored[n] !== null).map((n) => [n, stored[n]])),
    });

    // The recent IPO is skipped and warned about on tickstock:errors.
    const warning = events.find((e) => e.event === "error" && (e.payload.context as Record<string, unknown>).symbol === IPO)!;
    expect(warning).toMatchObject({
      channel: "tickstock:errors",
      payload: { severity: "warning", component: "analytics", error_code: "SYMBOL_SKIPPED", context: { run_id: "run-ind-1", reason_code: "TOO_SHORT", phase: "indicators" } },
    });
    const { rows: record } = await db.query("SELECT status, total_symbols, successful_symbols, skipped_symbols, results FROM analytics.phase_runs WHERE run_id = 'run-ind-1'");
    expect(record).toEqual([{ status: "completed", total_symbols: onRunDate.length, successful_symbols: computable.length, skipped_symbols: onRunDate.length - computable.length, results: values }]);
  });
});

describe("RunPatterns", () => {
  it("stores exactly detectPatterns' detections on the run date, one pattern_detected each, with success_rate below 100", async () => {
    const capture = await captureEvents();
    const { progress, result } = await collect(client.runPatterns({ runId: "run-pat-1", runDate: RUN_DATE, universe: "all" }));
    const runDay = dayNumber(RUN_DATE);
    const expected: string[] = [];
    let computable = 0;
    for (const symbol of onRunDate) {
      const series = bars.get(symbol)!;
      if (skipReason(series, runDay)) continue;
      computable++;
      for (const d of detectPatterns(series, computeIndicators(series), series.close.length - 1, DEFAULT_PATTERN_CONFIG)) {
        expected.push(`${symbol} ${d.pattern} ${d.direction} ${d.confidence}`);
      }
    }
    expect(expected.length).toBeGreaterThan(20);
    const { rows } = await db.query<{ symbol: string; pattern: string; direction: string; confidence: number; run_id: string }>(
      "SELECT symbol, pattern, direction, confidence, run_id FROM analytics.pattern_detections WHERE date = $1",
      [RUN_DATE],
    );
    expect(rows.map((r) => `${r.symbol} ${r.pattern} ${r.direction} ${r.confidence}`).sort()).toEqual(expected.sort());
    expect(new Set(rows.map((r) => r.run_id))).toEqual(new Set(["run-pat-1"]));
    const rate = Math.round((computable / onRunDate.length) * 10_000) / 100;
    expect(result).toMatchObject({ totalSymbols: onRunDate.length, successfulSymbols: computable, patternsDetected: rows.length, successRate: rate });
    expect(result.successRate).toBeLessThan(100);
    expect(progress.at(-1)!.percentComplete).toBe(100);

    const events = ofRun(await capture.waitFor((es) => es.some((e) => e.event === "pattern_processing_completed" && e.payload.run_id === "run-pat-1")), "run-pat-1");
    await capture.close();
    const phaseEvents = events.filter((e) => e.event !== "pattern_detected" && e.event !== "error").map((e) => e.event);
    expect(phaseEvents[0]).toBe("pattern_processing_started");
    expect(phaseEvents.at(-1)).toBe("pattern_processing_completed");
    expect(phaseEvents.filter((n) => n === "pattern_progress").length).toBeGreaterThanOrEqual(1);
    const detected = events.filter((e) => e.event === "pattern_detected");
    expect(detected).toHaveLength(rows.length);
    expect(detected[0].channel).toBe("tickstock:patterns:detected");
    expect(Object.keys(detected[0].payload).sort()).toEqual(["confidence", "date", "direction", "pattern", "run_id", "symbol"]);
    expect(events.find((e) => e.event === "pattern_processing_completed")).toMatchObject({
      channel: "tickstock:patterns:completed",
      payload: { run_id: "run-pat-1", total_symbols: onRunDate.length, patterns_detected: rows.length, success_rate: rate, duration_seconds: expect.any(Number) },
    });
    expect(events.some((e) => e.event === "error" && (e.payload.context as Record<string, unknown>).symbol === IPO)).toBe(true);
  });
});

describe("re-running", () => {
  it("replaces the date's rows: same counts, the new run's id, and rows of symbols outside the universe gone", async () => {
    const before = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM analytics.indicator_values WHERE date = $1", [RUN_DATE]);
    const patternsBefore = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM analytics.pattern_detections WHERE date = $1", [RUN_DATE]);
    // A stale row of a symbol without a bar on the date (as if its bars had been withdrawn).
    await db.query("INSERT INTO analytics.indicator_values (date, symbol, run_id, sma_20) VALUES ($1, 'GONE', 'old', 1)", [RUN_DATE]);
    await db.query("INSERT INTO analytics.pattern_detections (date, symbol, pattern, direction, confidence, run_id) VALUES ($1, 'GONE', 'doji', 'neutral', 1, 'old')", [RUN_DATE]);

    const ind = await collect(client.runIndicators({ runId: "run-ind-2", runDate: RUN_DATE, universe: "all" }));
    const pat = await collect(client.runPatterns({ runId: "run-pat-2", runDate: RUN_DATE, universe: "all" }));
    const after = await db.query<{ n: number; runs: string[] }>("SELECT count(*)::int AS n, array_agg(DISTINCT run_id) AS runs FROM analytics.indicator_values WHERE date = $1", [RUN_DATE]);
    const patternsAfter = await db.query<{ n: number; runs: string[] }>("SELECT count(*)::int AS n, array_agg(DISTINCT run_id) AS runs FROM analytics.pattern_detections WHERE date = $1", [RUN_DATE]);
    expect(after.rows[0]).toEqual({ n: before.rows[0]!.n, runs: ["run-ind-2"] });
    expect(patternsAfter.rows[0]).toEqual({ n: patternsBefore.rows[0]!.n, runs: ["run-pat-2"] });
    expect(ind.result.successfulSymbols).toBe(before.rows[0]!.n);
    expect(pat.result.patternsDetected).toBe(patternsBefore.rows[0]!.n);
  });
});

describe("named symbols", () => {
  it("skips a delisted symbol, an unknown one and an IPO, counts and warns them (one by one up to the cap, then a summary)", async () => {
    const capture = await captureEvents();
    const good = onRunDate.filter((s) => s !== IPO).slice(0, 10);
    const unknown = ["ZZZA", "ZZZB", "ZZZC", "ZZZD", "ZZZE"]; // sorted after the others: warned last
    const { result } = await collect(client.runIndicators({ runId: "run-named", runDate: RUN_DATE, symbols: [...good, IPO, DELISTED, ...unknown, good[0]] }));
    expect(result).toMatchObject({ totalSymbols: 17, successfulSymbols: 10, skippedSymbols: 7 });
    const { rows } = await db.query<{ run_id: string; n: number }>("SELECT run_id, count(*)::int AS n FROM analytics.indicator_values WHERE date = $1 GROUP BY run_id", [RUN_DATE]);
    expect(rows.find((r) => r.run_id === "run-named")?.n).toBe(10);
    const { rows: skippedRows } = await db.query("SELECT symbol FROM analytics.indicator_values WHERE date = $1 AND symbol = ANY($2)", [RUN_DATE, [IPO, DELISTED, ...unknown]]);
    expect(skippedRows).toEqual([]);

    const events = ofRun(await capture.waitFor((es) => es.some((e) => e.event === "indicator_processing_completed" && e.payload.run_id === "run-named")), "run-named");
    await capture.close();
    const warnings = events.filter((e) => e.event === "error").map((e) => e.payload);
    expect(warnings.filter((w) => w.error_code === "SYMBOL_SKIPPED")).toHaveLength(5);
    const reasons = Object.fromEntries(warnings.filter((w) => w.error_code === "SYMBOL_SKIPPED").map((w) => [(w.context as Record<string, string>).symbol, (w.context as Record<string, string>).reason_code]));
    expect(reasons[DELISTED]).toBe("NO_BAR_ON_DATE");
    expect(reasons[IPO]).toBe("TOO_SHORT");
    expect(reasons.ZZZA).toBe("NO_BARS");
    expect(warnings.find((w) => w.error_code === "SYMBOLS_SKIPPED")).toMatchObject({
      severity: "warning",
      context: { run_id: "run-named", skipped: 7, by_reason: { TOO_SHORT: 1, NO_BAR_ON_DATE: 1, NO_BARS: 5 } },
    });
  });

  it("refuses bad phase requests before doing anything", async () => {
    expect(await failure(client.runIndicators({ runDate: "2025-06-31" }))).toEqual({ code: Code.InvalidArgument, field: "run_date" });
    expect(await failure(client.runPatterns({ runDate: "" }))).toEqual({ code: Code.InvalidArgument, field: "run_date" });
    expect(await failure(client.runPatterns({ runDate: RUN_DATE, symbols: ["AAPL", "not a ticker"] }))).toEqual({ code: Code.InvalidArgument, field: "symbols" });
    // A date without bars (a Sunday) has no universe to compute.
    expect((await failure(client.runIndicators({ runDate: "2025-06-29" }))).code).toBe(Code.FailedPrecondition);
    const { rows } = await db.query("SELECT 1 FROM analytics.phase_runs WHERE run_date = '2025-06-29'");
    expect(rows).toEqual([]);
  });
});

describe("cancel", () => {
  it("stops at the next batch, keeps the committed batches, records the phase cancelled and publishes no completion", async () => {
    const slow = await startAnalytics(db, importSvc.address, { batchSymbols: 2 });
    try {
      const capture = await captureEvents();
      const abort = new AbortController();
      const stream = createServiceClient(AnalyticsService, slow.address).runIndicators({ runId: "run-cancel", runDate: CANCEL_DATE }, { signal: abort.signal });
      let progressSeen = 0;
      const outcome = await failure(
        (async function* () {
          for await (const msg of stream) {
            if (msg.event.case === "progress" && ++progressSeen === 2) abort.abort();
            yield msg;
          }
        })(),
      );
      expect(outcome.code).toBe(Code.Canceled);
      let status = "running";
      for (let i = 0; i < 100 && status === "running"; i++) {
        await new Promise((r) => setTimeout(r, 50));
        status = (await db.query<{ status: string }>("SELECT status FROM analytics.phase_runs WHERE run_id = 'run-cancel'")).rows[0]?.status ?? "running";
      }
      expect(status).toBe("cancelled");
      const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM analytics.indicator_values WHERE date = $1", [CANCEL_DATE]);
      expect(rows[0]!.n).toBeGreaterThanOrEqual(4);
      expect(rows[0]!.n).toBeLessThan(onRunDate.length - 10);
      // Rows stay consistent after the stop: nothing more is written.
      await new Promise((r) => setTimeout(r, 300));
      expect((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM analytics.indicator_values WHERE date = $1", [CANCEL_DATE])).rows[0]!.n).toBe(rows[0]!.n);
      const events = ofRun(capture.events, "run-cancel");
      await capture.close();
      expect(events.some((e) => e.event === "indicator_processing_started")).toBe(true);
      expect(events.some((e) => e.event === "indicator_processing_completed" || (e.event === "error" && e.payload.severity === "error"))).toBe(false);
    } finally {
      await slow.stop();
    }
  });
});

describe("GetIndicators", () => {
  it("answers every bar's values in the range, computed over the whole history; the run date's point equals the stored row", async () => {
    const symbol = onRunDate.find((s) => s !== IPO)!;
    const res = await client.getIndicators({ symbol: symbol.toLowerCase(), from: "2025-06-16", to: RUN_DATE });
    expect(res.symbol).toBe(symbol);
    expect([res.from, res.to]).toEqual(["2025-06-16", RUN_DATE]);
    const series = bars.get(symbol)!;
    const inRange = Array.from(series.day).filter((d) => d >= dayNumber("2025-06-16"));
    expect(res.points).toHaveLength(inRange.length);
    const last = res.points.at(-1)!;
    expect(last.date).toBe(RUN_DATE);
    const { rows } = await db.query<Record<string, number | null>>("SELECT * FROM analytics.indicator_values WHERE date = $1 AND symbol = $2", [RUN_DATE, symbol]);
    expect(last.values).toEqual(Object.fromEntries(INDICATOR_NAMES.filter((n) => rows[0]![n] !== null).map((n) => [n, rows[0]![n]])));
    const expected = computeIndicators(series);
    expect(res.points[0].values.ema_12).toBe(expected.ema_12[series.day.length - inRange.length]);
  });

  it("defaults to the 30 days up to the symbol's latest bar", async () => {
    const res = await client.getIndicators({ symbol: onRunDate[0] });
    expect([res.from, res.to]).toEqual(["2025-05-31", RUN_DATE]);
    expect(res.points.length).toBeGreaterThan(15);
  });

  it("a known symbol without bars in the range answers no points; an IPO's first bars only the indicators already defined", async () => {
    const before = await client.getIndicators({ symbol: IPO, from: "2025-01-01", to: "2025-01-31" });
    expect(before.points).toEqual([]);
    const young = await client.getIndicators({ symbol: IPO, from: "2025-06-01", to: RUN_DATE });
    expect(young.points.length).toBeGreaterThan(5);
    expect(young.points[0].values.sma_20).toBeUndefined();
    expect(young.points[0].values.obv).toBeTypeOf("number");
  });

  it("refuses bad input: unknown symbol 404-style NOT_FOUND, bad dates and ranges INVALID_ARGUMENT", async () => {
    expect((await failure(client.getIndicators({ symbol: "ZZZZZ" }))).code).toBe(Code.NotFound);
    expect(await failure(client.getIndicators({ symbol: "" }))).toEqual({ code: Code.InvalidArgument, field: "symbol" });
    expect(await failure(client.getIndicators({ symbol: "A;B" }))).toEqual({ code: Code.InvalidArgument, field: "symbol" });
    expect(await failure(client.getIndicators({ symbol: onRunDate[0], from: "2025-06-30", to: "2025-06-01" }))).toEqual({ code: Code.InvalidArgument, field: "from" });
    expect(await failure(client.getIndicators({ symbol: onRunDate[0], from: "2010-01-01", to: "2025-06-01" }))).toEqual({ code: Code.InvalidArgument, field: "to" });
    expect(await failure(client.getIndicators({ symbol: onRunDate[0], from: "2025/06/01" }))).toEqual({ code: Code.InvalidArgument, field: "from" });
    expect(await failure(client.getIndicators({ symbol: onRunDate[0], to: "2025-02-29" }))).toEqual({ code: Code.InvalidArgument, field: "to" });
  });
});

describe("ListPatterns", () => {
  it("defaults to the latest date with detections, strongest first, 100 a page, with the total", async () => {
    const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM analytics.pattern_detections WHERE date = $1", [RUN_DATE]);
    const res = await client.listPatterns({});
    expect(res.date).toBe(RUN_DATE);
    expect(res.total).toBe(rows[0]!.n);
    expect([res.limit, res.offset]).toEqual([100, 0]);
    expect(res.patterns).toHaveLength(Math.min(100, rows[0]!.n));
    const conf = res.patterns.map((p) => p.confidence);
    expect([...conf].sort((a, b) => b - a)).toEqual(conf);
    expect(res.patterns[0]).toMatchObject({ date: RUN_DATE, symbol: expect.any(String), pattern: expect.any(String) });
  });

  it("pages without overlap and filters by pattern, direction and symbol", async () => {
    const all = await client.listPatterns({ date: RUN_DATE, limit: 1000 });
    const first = await client.listPatterns({ date: RUN_DATE, limit: 7 });
    const second = await client.listPatterns({ date: RUN_DATE, limit: 7, offset: 7 });
    expect([...first.patterns, ...second.patterns]).toEqual(all.patterns.slice(0, 14));
    const pattern = all.patterns[0].pattern;
    const byPattern = await client.listPatterns({ date: RUN_DATE, pattern, limit: 1000 });
    expect(byPattern.total).toBe(all.patterns.filter((p) => p.pattern === pattern).length);
    expect(byPattern.patterns.every((p) => p.pattern === pattern)).toBe(true);
    const bearish = await client.listPatterns({ date: RUN_DATE, direction: "bearish", limit: 1000 });
    expect(bearish.patterns).toEqual(all.patterns.filter((p) => p.direction === "bearish"));
    const symbol = all.patterns[0].symbol;
    const bySymbol = await client.listPatterns({ date: RUN_DATE, symbol: symbol.toLowerCase() });
    expect(bySymbol.patterns).toEqual(all.patterns.filter((p) => p.symbol === symbol));
    const none = await client.listPatterns({ date: "2020-01-02" });
    expect(none).toMatchObject({ date: "2020-01-02", total: 0, patterns: [] });
  });

  it("refuses bad filters with INVALID_ARGUMENT naming the field, and changes nothing", async () => {
    const checksum = "SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) AS sum FROM analytics.pattern_detections t";
    const before = (await db.query<{ sum: string }>(checksum)).rows[0]!.sum;
    const cases: [Parameters<typeof client.listPatterns>[0], string][] = [
      [{ date: "2025-13-01" }, "date"],
      [{ pattern: "hammerhead" }, "pattern"],
      [{ direction: "sideways" }, "direction"],
      [{ symbol: "bad symbol" }, "symbol"],
      [{ limit: 0 }, "limit"],
      [{ limit: 1001 }, "limit"],
      [{ offset: -5 }, "offset"],
    ];
    for (const [req, field] of cases) expect(await failure(client.listPatterns(req)), field).toEqual({ code: Code.InvalidArgument, field });
    expect((await db.query<{ sum: string }>(checksum)).rows[0]!.sum).toBe(before);
  });
});

describe("when the import service is down", () => {
  it("fails the phase UNAVAILABLE (so the coordinator may retry), records it failed and publishes an error", async () => {
    const orphan = await startAnalytics(db, "127.0.0.1:1");
    try {
      const capture = await captureEvents();
      const orphanClient = createServiceClient(AnalyticsService, orphan.address);
      expect((await failure(orphanClient.runIndicators({ runId: "run-down", runDate: RUN_DATE, symbols: ["AAA", "BBB"] }))).code).toBe(Code.Unavailable);
      expect((await failure(orphanClient.runPatterns({ runId: "run-down-2", runDate: RUN_DATE }))).code).toBe(Code.Unavailable);
      expect((await failure(orphanClient.getIndicators({ symbol: "AAA" }))).code).toBe(Code.Unavailable);
      const { rows } = await db.query("SELECT status FROM analytics.phase_runs WHERE run_id = 'run-down'");
      expect(rows).toEqual([{ status: "failed" }]);
      const events = await capture.waitFor((es) => es.some((e) => e.event === "error" && e.payload.error_code === "INDICATORS_FAILED"));
      await capture.close();
      expect(events.find((e) => e.payload.error_code === "INDICATORS_FAILED")!.payload).toMatchObject({ severity: "error", component: "analytics", context: { run_id: "run-down" } });
    } finally {
      await orphan.stop();
    }
  });
});
