// Observability of a real import service: GET /metrics after real gRPC calls, and the
// system_metrics event naming the import in flight and the last error logged.
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { createLogger } from "@tickstock/common/log.ts";
import { initMetrics } from "@tickstock/common/metrics.ts";
import { serveMetrics, type MetricsServer } from "@tickstock/common/observability.ts";
import { createActivityTracker, startSystemMetrics } from "@tickstock/common/system-metrics.ts";
import { ImportService, type RunImportResponse } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { createTestDatabase, type TestDatabase } from "../../../test/support/db.ts";
import { sampleValue, scrape } from "../../../test/support/metrics.ts";
import { captureEvents } from "../../../test/support/redis.ts";
import { createServiceClient, startService, type ServiceHarness } from "../../../test/support/services.ts";
import { createProvider } from "../src/providers/index.ts";
import type { MarketDataProvider } from "../src/providers/types.ts";
import { createServer } from "../src/server.ts";

const CALENDAR = { specialClosures: ["2025-01-09"] };
const RUN_IMPORT = "/tickstock.import.v1.ImportService/RunImport";
const DESCRIBE_BARS = "/tickstock.import.v1.ImportService/DescribeBars";
let db: TestDatabase;
let svc: ServiceHarness;
let metrics: MetricsServer;
let client: ReturnType<typeof createServiceClient<typeof ImportService>>;
const activity = createActivityTracker();
// The "csv" provider of this file is the synthetic market held at a gate: an import in flight.
let openGate: () => void = () => undefined;
let gate = Promise.resolve();

async function drain(stream: AsyncIterable<RunImportResponse>): Promise<Code | "ok"> {
  try {
    for await (const _ of stream) void _;
    return "ok";
  } catch (err) {
    return ConnectError.from(err).code;
  }
}

beforeAll(async () => {
  initMetrics("import");
  db = await createTestDatabase();
  const synthetic = createProvider({ provider: "synthetic", seed: 3, symbols: 40, calendar: CALENDAR });
  const gated: MarketDataProvider = { ...synthetic, name: "csv", dailyBars: async (date, signal) => (await gate, synthetic.dailyBars(date, signal)) };
  svc = await startService(db, "import", (deps) =>
    createServer({
      ...deps,
      providers: new Map([
        ["synthetic", synthetic],
        ["csv", gated],
      ]),
      defaultProvider: "synthetic",
      calendar: CALENDAR,
      maxRangeDays: 100,
      activity,
    }),
  );
  metrics = await serveMetrics("127.0.0.1", 0, svc.log);
  client = createServiceClient(ImportService, svc.address);
});

afterAll(async () => {
  openGate();
  await metrics?.close();
  await svc?.stop();
  await db?.drop();
});

describe("GET /metrics of the import service", () => {
  it("has the latency histogram of each method and code called, a failing call included", async () => {
    await client.describeBars({});
    expect(await drain(client.runImport({ fromDate: "2025-02-30", provider: "synthetic" }))).toBe(Code.InvalidArgument);
    expect(await drain(client.runImport({ runId: "run-metrics-ok", fromDate: "2025-01-23", toDate: "2025-01-24", provider: "synthetic" }))).toBe("ok");

    const samples = await scrape(`http://127.0.0.1:${metrics.port}/metrics`);
    const count = (method: string, code: string) => sampleValue(samples, "tickstock_grpc_server_handling_seconds_count", { method, code });
    expect(count(DESCRIBE_BARS, "OK")).toBeGreaterThan(0);
    expect(count(RUN_IMPORT, "INVALID_ARGUMENT")).toBeGreaterThan(0);
    expect(count(RUN_IMPORT, "OK")).toBeGreaterThan(0);
    expect(sampleValue(samples, "tickstock_grpc_server_handling_seconds_bucket", { method: RUN_IMPORT, code: "INVALID_ARGUMENT", le: "+Inf" })).toBeGreaterThan(0);
    // Every series carries the process's service label; default Node metrics are there too.
    expect(samples.filter((s) => s.name.startsWith("tickstock_")).every((s) => s.labels.service === "import")).toBe(true);
    expect(sampleValue(samples, "process_resident_memory_bytes", { service: "import" })).toBeGreaterThan(0);
  });

  it("counts the bars and symbols written and the events published", async () => {
    const { rows } = await db.query<{ n: string }>("SELECT count(*) AS n FROM ohlcv_daily");
    const samples = await scrape(`http://127.0.0.1:${metrics.port}/metrics`);
    expect(sampleValue(samples, "tickstock_rows_written_total", { table: "ohlcv_daily" })).toBe(Number(rows[0]!.n));
    expect(sampleValue(samples, "tickstock_rows_written_total", { table: "symbols" })).toBeGreaterThan(0);
    expect(sampleValue(samples, "tickstock_events_published_total", { event: "import_completed" })).toBe(1);
  });

  it("answers only GET and HEAD at /metrics, and 404 elsewhere", async () => {
    const base = `http://127.0.0.1:${metrics.port}`;
    const res = await fetch(`${base}/metrics`);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect((await fetch(`${base}/metrics`, { method: "HEAD" })).status).toBe(200);
    const post = await fetch(`${base}/metrics`, { method: "POST" });
    expect([post.status, post.headers.get("allow")]).toEqual([405, "GET, HEAD"]);
    expect((await fetch(`${base}/`)).status).toBe(404);
  });
});

describe("system_metrics", () => {
  it("publishes the service's uptime, memory, running import and last error on tickstock:monitoring", async () => {
    const capture = await captureEvents("tickstock:monitoring");
    const monitor = startSystemMetrics({ service: "import", publisher: svc.publisher, log: svc.log, intervalMs: 100, activeRun: activity.current });
    const errors = createLogger({ service: "import", level: "error", destination: new Writable({ write: (_c, _e, done) => done() }) as never });
    errors.error({ err: new Error("connection reset") }, "provider call failed");
    gate = new Promise((resolve) => (openGate = resolve));
    const running = drain(client.runImport({ runId: "run-metrics-active", fromDate: "2025-01-24", provider: "csv" }));
    try {
      const named = (e: { payload: Record<string, unknown> }) => (e.payload.services as Record<string, { active_run: { run_id: string } | null }>).import?.active_run?.run_id === "run-metrics-active";
      const events = await capture.waitFor((evs) => evs.some(named));
      const event = events.find(named)!;
      expect(event).toMatchObject({ channel: "tickstock:monitoring", event: "system_metrics", source: "daily_import_job", version: "1.0" });
      const entry = (event.payload.services as Record<string, Record<string, unknown>>).import!;
      expect(entry).toMatchObject({
        uptime_seconds: expect.any(Number),
        memory: { rss_mb: expect.any(Number), heap_used_mb: expect.any(Number) },
        active_run: { run_id: "run-metrics-active", job_id: null, import_id: expect.any(String) },
        last_error: { message: "provider call failed: connection reset", at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) },
      });
      expect((entry.memory as { rss_mb: number }).rss_mb).toBeGreaterThan(0);

      openGate();
      expect(await running).toBe("ok");
      const idle = capture.events.length;
      await capture.waitFor((evs) => evs.slice(idle).some((e) => (e.payload.services as Record<string, { active_run: unknown }>).import?.active_run === null));
    } finally {
      openGate();
      monitor.stop();
      await capture.close();
    }
  });
});
