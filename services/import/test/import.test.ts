import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus } from "@tickstock/gen/grpc/health/v1/health_pb.js";
import { toBinary } from "@bufbuild/protobuf";
import { ImportService, SymbolBarsSchema, type RunImportResponse } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { tradingDaysBetween } from "@tickstock/common/trading-calendar.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/db.ts";
import { captureEvents, redisClient } from "../../../test/support/redis.ts";
import { createServiceClient, startService, type ServiceHarness } from "../../../test/support/services.ts";
import { createProvider } from "../src/providers/index.ts";
import type { MarketDataProvider } from "../src/providers/types.ts";
import { createServer } from "../src/server.ts";
import { writeBars } from "../src/store.ts";
import { withTransaction } from "@tickstock/common/db.ts";

const CALENDAR = { specialClosures: ["2025-01-09"] };
let db: TestDatabase;
let svc: ServiceHarness;
let client: ReturnType<typeof createServiceClient<typeof ImportService>>;
let csvDir: string;

async function collect(stream: AsyncIterable<RunImportResponse>) {
  const progress = [];
  let result;
  for await (const msg of stream) {
    if (msg.event.case === "progress") progress.push(msg.event.value);
    else if (msg.event.case === "result") result = msg.event.value;
  }
  return { progress, result: result! };
}

async function grpcCode(p: Promise<unknown> | AsyncIterable<unknown>): Promise<Code | "ok"> {
  try {
    if (Symbol.asyncIterator in (p as object)) for await (const _ of p as AsyncIterable<unknown>) void _;
    else await p;
    return "ok";
  } catch (err) {
    return ConnectError.from(err).code;
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  csvDir = mkdtempSync(join(tmpdir(), "tickstock-csv-"));
  writeFileSync(join(csvDir, "bars.csv"), "symbol,date,open,high,low,close,volume\nAAA,2025-01-24,10,11,9,10.5,1000\nBBB,2025-01-24,20,21,19,20.5,2000\n");
  svc = await startService(db, "import", (deps) => {
    const providers = new Map<string, MarketDataProvider>([
      ["synthetic", createProvider({ provider: "synthetic", seed: 7, symbols: 300, calendar: CALENDAR })],
      ["csv", createProvider({ provider: "csv", dir: csvDir })],
    ]);
    return createServer({ ...deps, providers, defaultProvider: "synthetic", calendar: CALENDAR, maxRangeDays: 400, batchRows: 1500, progressIntervalMs: 0, listBarsResponseBytes: 20_000 });
  });
  client = createServiceClient(ImportService, svc.address);
});

afterAll(async () => {
  await svc?.stop();
  await db?.drop();
});

describe("import service over gRPC", () => {
  it("backfills a range, streams progress, publishes the contract events and stores every bar", async () => {
    const capture = await captureEvents();
    const { progress, result } = await collect(client.runImport({ runId: "run-backfill-1", fromDate: "2025-01-02", toDate: "2025-01-31", provider: "synthetic" }));
    const days = tradingDaysBetween("2025-01-02", "2025-01-31", CALENDAR);
    expect(result.tradingDays).toBe(days.length);
    expect(result.barsRejected).toBe(0);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)!.percentComplete).toBe(100);
    const { rows } = await db.query<{ n: string; dates: string }>("SELECT count(*) AS n, count(DISTINCT date) AS dates FROM ohlcv_daily");
    expect(Number(rows[0]!.n)).toBe(result.barsWritten);
    expect(Number(rows[0]!.dates)).toBe(days.length);
    const notTrading = await db.query("SELECT 1 FROM ohlcv_daily WHERE date IN ('2025-01-09', '2025-01-20', '2025-01-04')");
    expect(notTrading.rowCount).toBe(0);

    const mine = await capture.waitFor((es) => es.some((e) => e.event === "import_completed" && e.payload.run_id === "run-backfill-1"));
    const names = mine.filter((e) => e.payload.run_id === "run-backfill-1").map((e) => e.event);
    expect(names[0]).toBe("import_started");
    expect(names.at(-1)).toBe("import_completed");
    expect(names.filter((n) => n === "import_progress").length).toBeGreaterThanOrEqual(1);
    const completed = mine.find((e) => e.event === "import_completed")!;
    expect(completed.channel).toBe("tickstock:import:completed");
    expect(completed.version).toBe("1.0");
    expect(completed.payload).toMatchObject({ run_id: "run-backfill-1", bars_written: result.barsWritten, failed_symbols: 0 });
    const progressEvent = mine.find((e) => e.event === "import_progress")!;
    expect(Object.keys(progressEvent.payload)).toEqual(expect.arrayContaining(["completed_symbols", "total_symbols", "percent_complete", "current_symbol", "eta_seconds"]));
    // The same bytes are in the replay stream.
    const redis = redisClient();
    const entries = await redis.xrange("tickstock:events", "-", "+");
    expect(entries.some(([, fields]) => fields[1] === "tickstock:import:completed" && fields[3] === completed.raw)).toBe(true);
    redis.disconnect();
    await capture.close();
  });

  it("re-importing the same range writes nothing and changes nothing", async () => {
    const before = await db.query<{ sum: string }>("SELECT sum(hashtext(symbol || date || open || high || low || close || volume || xmin::text))::text AS sum FROM ohlcv_daily");
    const { result } = await collect(client.runImport({ fromDate: "2025-01-02", toDate: "2025-01-31" }));
    expect(result.barsWritten).toBe(0);
    expect(result.barsReceived).toBeGreaterThan(0);
    const after = await db.query<{ sum: string }>("SELECT sum(hashtext(symbol || date || open || high || low || close || volume || xmin::text))::text AS sum FROM ohlcv_daily");
    expect(after.rows[0]!.sum).toBe(before.rows[0]!.sum);
  });

  it("a single new day adds exactly that day's bars, identical to the same day inside a range", async () => {
    const { result } = await collect(client.runImport({ fromDate: "2025-02-03" }));
    expect(result.tradingDays).toBe(1);
    expect(result.barsWritten).toBe(result.barsReceived);
    const { rows } = await db.query<{ n: string }>("SELECT count(*) AS n FROM ohlcv_daily WHERE date = '2025-02-03'");
    expect(Number(rows[0]!.n)).toBe(result.barsWritten);
  });

  it("imports csv files, and a changed bar rewrites only that row", async () => {
    const first = await collect(client.runImport({ fromDate: "2025-01-24", provider: "csv", skipSymbols: true }));
    expect(first.result.barsReceived).toBe(2);
    expect(first.result.barsWritten).toBe(2);
    const f64 = (xs: number[]) => Float64Array.from(xs);
    const changed = { date: "2025-01-24", symbols: ["AAA", "BBB"], open: f64([10, 20]), high: f64([11, 21]), low: f64([9, 19]), close: f64([10.75, 20.5]), volume: f64([1000, 2000]), rejected: [] };
    const written = await withTransaction(svc.pool, (c) => writeBars(c, [changed]));
    expect(written).toEqual({ written: 1, inserted: 0 });
    const { rows } = await db.query<{ close: number }>("SELECT close FROM ohlcv_daily WHERE symbol = 'AAA' AND date = '2025-01-24'");
    expect(rows[0]!.close).toBe(10.75);
  });

  it("serves symbols, bars (columnar) and coverage", async () => {
    const batches = [];
    for await (const b of client.listSymbols({ batchSize: 100 })) batches.push(b);
    const all = batches.flatMap((b) => b.symbol);
    expect(all.length).toBeGreaterThan(250);
    expect(batches[0]!.symbol.length).toBe(100);
    expect(batches[0]!.marketCap.length).toBe(100);
    const sp = [];
    for await (const b of client.listSymbols({ index: "sp500" })) sp.push(...b.symbol);
    expect(sp.length).toBeGreaterThan(0);
    expect(sp.length).toBeLessThan(all.length);

    const some = all.slice(0, 3);
    const series = [];
    for await (const b of client.listBars({ symbols: some, fromDate: "2025-01-02", toDate: "2025-01-31" })) series.push(...b.series);
    expect(series.map((s) => s.symbol).sort()).toEqual([...some].sort());
    for (const s of series) {
      expect(s.day.length).toBe(s.close.length);
      for (let i = 1; i < s.day.length; i++) expect(s.day[i]!).toBeGreaterThan(s.day[i - 1]!);
      for (let i = 0; i < s.day.length; i++) expect(s.high[i]!).toBeGreaterThanOrEqual(Math.max(s.open[i]!, s.close[i]!));
    }
    const cov = await client.describeBars({});
    expect(cov.latestDate).toBe("2025-02-03");
    expect(cov.symbolsOnLatestDate).toBeGreaterThan(0);
  });

  it("ListBars answers exactly the stored bars, at most batch_size series and about the byte limit per response", async () => {
    const { rows } = await db.query<{ symbol: string; day: number; open: number; high: number; low: number; close: number; volume: number }>(
      `SELECT symbol, date - DATE '1970-01-01' AS day, open, high, low, close, volume FROM ohlcv_daily
        WHERE date BETWEEN '2025-01-06' AND '2025-01-27' ORDER BY symbol, date`,
    );
    expect(rows.length).toBeGreaterThan(1000);
    const stored = new Map<string, { day: number[]; open: number[]; high: number[]; low: number[]; close: number[]; volume: number[] }>();
    for (const r of rows) {
      let s = stored.get(r.symbol);
      if (!s) stored.set(r.symbol, (s = { day: [], open: [], high: [], low: [], close: [], volume: [] }));
      s.day.push(r.day);
      s.open.push(r.open);
      s.high.push(r.high);
      s.low.push(r.low);
      s.close.push(r.close);
      s.volume.push(r.volume);
    }
    const streamed = new Map<string, unknown>();
    let responses = 0;
    for await (const res of client.listBars({ fromDate: "2025-01-06", toDate: "2025-01-27", batchSize: 40 })) {
      responses++;
      expect(res.series.length).toBeGreaterThan(0);
      expect(res.series.length).toBeLessThanOrEqual(40);
      const bytes = res.series.map((s) => toBinary(SymbolBarsSchema, s).length);
      if (bytes.length > 1) expect(bytes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(20_000);
      for (const { symbol, day, open, high, low, close, volume } of res.series) streamed.set(symbol, { day, open, high, low, close, volume });
    }
    expect(responses).toBeGreaterThan(stored.size / 40); // the byte limit split some batches
    expect(streamed).toEqual(stored);
  });

  it("rejects bad requests with INVALID_ARGUMENT and writes nothing", async () => {
    const count = async () => Number((await db.query<{ n: string }>("SELECT count(*) AS n FROM ohlcv_daily")).rows[0]!.n);
    const before = await count();
    expect(await grpcCode(client.runImport({ fromDate: "2025-13-01" }))).toBe(Code.InvalidArgument);
    expect(await grpcCode(client.runImport({ fromDate: "2025-02-10", toDate: "2025-02-01" }))).toBe(Code.InvalidArgument);
    expect(await grpcCode(client.runImport({ fromDate: "2020-01-01", toDate: "2025-01-01" }))).toBe(Code.InvalidArgument);
    expect(await grpcCode(client.runImport({ fromDate: "2025-02-03", provider: "yahoo" }))).toBe(Code.InvalidArgument);
    expect(await grpcCode(client.runImport({ fromDate: "2025-02-03", provider: "massive" }))).toBe(Code.FailedPrecondition);
    expect(await grpcCode(client.listSymbols({ index: "dow" }))).toBe(Code.InvalidArgument);
    expect(await grpcCode(client.listBars({ symbols: ["'; DROP TABLE x"] }))).toBe(Code.InvalidArgument);
    expect(await grpcCode(client.listBars({ batchSize: -1 }))).toBe(Code.InvalidArgument);
    expect(await grpcCode(client.describeBars({ onOrBefore: "yesterday" }))).toBe(Code.InvalidArgument);
    expect(await count()).toBe(before);
  });

  it("cancelling keeps committed batches and releases the import lock", async () => {
    const abort = new AbortController();
    let seen = 0;
    const code = await grpcCode(
      (async function* () {
        for await (const m of client.runImport({ fromDate: "2024-01-02", toDate: "2024-12-31" }, { signal: abort.signal })) {
          if (m.event.case === "progress" && ++seen === 1) abort.abort();
          yield m;
        }
      })(),
    );
    expect(code).toBe(Code.Canceled);
    await new Promise((r) => setTimeout(r, 300));
    const { rows } = await db.query<{ status: string }>("SELECT status FROM import.imports WHERE from_date = '2024-01-02'");
    expect(rows.map((r) => r.status)).toEqual(["cancelled"]);
    const committed = await db.query<{ n: string }>("SELECT count(*) AS n FROM ohlcv_daily WHERE date < '2025-01-01'");
    expect(Number(committed.rows[0]!.n)).toBeGreaterThan(0);
    const again = await collect(client.runImport({ fromDate: "2025-02-03" }));
    expect(again.result.barsWritten).toBe(0);
  });

  it("answers grpc.health.v1 and server reflection (buf curl, no local protos)", async () => {
    const health = createServiceClient(Health, svc.address);
    expect((await health.check({ service: "" })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    expect((await health.check({ service: "tickstock.import.v1.ImportService" })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    const buf = fileURLToPath(new URL("../../../node_modules/.bin/buf", import.meta.url));
    const { stdout } = await promisify(execFile)(buf, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", "--list-methods", `http://${svc.address}`]);
    expect(stdout).toContain("tickstock.import.v1.ImportService/RunImport");
    expect(stdout).toContain("tickstock.import.v1.ImportService/DescribeBars");
    const described = await promisify(execFile)(buf, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", "-d", "{}", `http://${svc.address}/tickstock.import.v1.ImportService/DescribeBars`]);
    expect(JSON.parse(described.stdout)).toHaveProperty("latestDate");
  });
});

describe("database roles", () => {
  it("the import role owns its tables; another service's role and AppV2's reader cannot write them", async () => {
    const pg = (await import("pg")).default;
    const as = async (role: "cache_sync" | "reader" | "analytics", sql: string) => {
      const c = new pg.Client({ connectionString: db.urlFor(role) });
      await c.connect();
      try {
        await c.query(sql);
        return "ok";
      } catch (err) {
        return (err as { code?: string }).code;
      } finally {
        await c.end();
      }
    };
    expect(await as("cache_sync", "INSERT INTO ohlcv_daily VALUES ('ZZZ', '2025-01-02', 1, 1, 1, 1, 1)")).toBe("42501");
    expect(await as("analytics", "DELETE FROM symbols")).toBe("42501");
    expect(await as("reader", "UPDATE symbols SET name = 'x'")).toBe("42501");
    expect(await as("reader", "SELECT count(*) FROM ohlcv_daily")).toBe("ok");
    expect(await as("cache_sync", "CREATE TABLE import.evil (x int)")).toBe("42501");
  });
});
