// What the fault tests share: a synthetic market backfilled through the import service's
// RunImport, runs triggered through the gateway, the run's events read back from the stream
// `tickstock:events`, the invariants every fault must leave intact, and a way to freeze a
// service inside one of its transactions (a lock held by the test) so that a kill lands there.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, expect } from "vitest";
import { createServiceClient } from "@tickstock/common/clients.ts";
import { EVENTS_STREAM } from "@tickstock/common/events.ts";
import { latestCompletedTradingDay, previousTradingDay } from "@tickstock/common/trading-calendar.ts";
import { ImportService } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { freePort, redisServerBin, waitForPort } from "../../../scripts/lib/infra.ts";
import { createTestDatabase, type TestDatabase } from "../../support/db.ts";
import { redisClient } from "../../support/redis.ts";
import { api, startSystem, type RunningSystem } from "../../support/system.ts";

export const CALENDAR = { specialClosures: ["2025-01-09"] };

/**
 * Settings that make faults show within seconds: retries every 0.25–2 s for ~16 s (a killed
 * service restarts within that, even on a busy CI machine), a dead coordinator noticed in ~0.6 s.
 */
export const FAST_FAULTS: Record<string, string> = {
  IMPORT_SYNTHETIC_SYMBOLS: "2000",
  COORDINATOR_PHASE_RETRIES: "10",
  COORDINATOR_RETRY_BACKOFF_MS: "250",
  COORDINATOR_RETRY_BACKOFF_MAX_MS: "2000",
  COORDINATOR_HEARTBEAT_MS: "200",
  COORDINATOR_HEARTBEAT_MISSES: "3",
  ANALYTICS_WORKERS: "1",
  ANALYTICS_BATCH_SYMBOLS: "100",
  RATE_LIMIT_TRIGGERS_PER_MINUTE: "0",
  SHUTDOWN_GRACE_MS: "1000",
};

/** `n` trading days before `date`. */
export function tradingDaysBefore(date: string, n: number): string {
  let d = date;
  for (let i = 0; i < n; i++) d = previousTradingDay(d, CALENDAR);
  return d;
}

export interface FaultSystem {
  db: TestDatabase;
  system: RunningSystem;
  redis: Redis;
  query: Query;
  /** The run dates of the file's cases, oldest first, each after the backfilled history. */
  dates: string[];
}

/**
 * The file's system under test, set up in its beforeAll and torn down in its afterAll: a fresh
 * database, every service and the gateway as processes with FAST_FAULTS and `env`, a Redis
 * client, and 260 trading days of bars before the first run date. The run dates are the last
 * `runDates` completed trading days: each case imports a new day.
 */
export function useFaultSystem(opts: { runDates: number; env?: Record<string, string> }): FaultSystem {
  const last = latestCompletedTradingDay(new Date(), CALENDAR);
  const dates = Array.from({ length: opts.runDates }, (_, i) => tradingDaysBefore(last, opts.runDates - 1 - i));
  const fx = { dates, query: (sql: string, params?: unknown[]) => fx.db.query(sql, params) } as FaultSystem;
  beforeAll(async () => {
    fx.db = await createTestDatabase();
    fx.system = await startSystem(fx.db, { ...FAST_FAULTS, ...opts.env });
    fx.redis = redisClient();
    await backfill(fx.system, dates[0]!, 260);
  }, 120_000);
  afterAll(async () => {
    fx.redis?.disconnect();
    await fx.system?.stop();
    await fx.db?.drop();
  });
  return fx;
}

/** Imports `days` trading days of bars ending the day before `runDate`, through RunImport. */
export async function backfill(system: RunningSystem, runDate: string, days: number): Promise<void> {
  const importer = createServiceClient(ImportService, system.address("import"));
  const to = previousTradingDay(runDate, CALENDAR);
  for await (const _ of importer.runImport({ fromDate: tradingDaysBefore(to, days - 1), toDate: to }, { timeoutMs: 120_000 })) void _;
}

/** Imports the bars of one day (and the symbols as of it), as a run's import phase does. */
export async function importDay(system: RunningSystem, date: string): Promise<void> {
  const importer = createServiceClient(ImportService, system.address("import"));
  for await (const _ of importer.runImport({ fromDate: date, toDate: date }, { timeoutMs: 60_000 })) void _;
}

/** POST trigger-manual; returns the run id. */
export async function triggerRun(system: RunningSystem, body: Record<string, unknown>): Promise<string> {
  const res = await api(system, "/api/processing/trigger-manual", { method: "POST", body: JSON.stringify({ skip_market_check: true, ...body }) });
  const json = (await res.json()) as { run_id?: string };
  expect(res.status, JSON.stringify(json)).toBe(202);
  return json.run_id!;
}

export interface RunRow {
  run_id: string;
  status: string;
  error: string | null;
  symbols_processed: number;
  indicators_calculated: number;
  patterns_detected: number;
}

export interface PhaseRow {
  phase: string;
  status: string;
  attempts: number;
  error: string | null;
}

type Query = <R extends pg.QueryResultRow>(sql: string, params?: unknown[]) => Promise<pg.QueryResult<R>>;

/** Polls coordinator.runs until the run leaves `running` (fails the test after `timeoutMs`). */
export async function waitForRunEnd(query: Query, runId: string, timeoutMs = 60_000): Promise<{ run: RunRow; phases: PhaseRow[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await query<RunRow>(
      "SELECT run_id, status, error, symbols_processed, indicators_calculated, patterns_detected FROM coordinator.runs WHERE run_id = $1",
      [runId],
    );
    const run = rows[0];
    if (run && run.status !== "running") {
      const phases = await query<PhaseRow>("SELECT phase, status, attempts, error FROM coordinator.run_phases WHERE run_id = $1 ORDER BY position", [runId]);
      return { run, phases: phases.rows };
    }
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run?.status ?? "missing"} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface StreamEvent {
  id: string;
  channel: string;
  event: string;
  source: string;
  payload: Record<string, unknown>;
  data: string;
}

/** Every entry of `tickstock:events` after `fromId` (exclusive), in stream order. */
export async function readStream(redis: Redis, fromId = "0-0"): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  let start = `(${fromId}`;
  for (;;) {
    const batch = (await redis.xrange(EVENTS_STREAM, start, "+", "COUNT", 5000)) as [string, string[]][];
    for (const [id, fields] of batch) {
      const f: Record<string, string> = {};
      for (let i = 0; i < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
      const env = JSON.parse(f.data!) as { event: string; source: string; payload: Record<string, unknown> };
      out.push({ id, channel: f.channel!, event: env.event, source: env.source, payload: env.payload, data: f.data! });
    }
    if (batch.length < 5000) return out;
    start = `(${batch[batch.length - 1]![0]}`;
  }
}

/** The id of the newest stream entry (events of a test come after it). */
export async function streamTail(redis: Redis): Promise<string> {
  const last = (await redis.xrevrange(EVENTS_STREAM, "+", "-", "COUNT", 1)) as [string, string[]][];
  return last[0]?.[0] ?? "0-0";
}

/** The events of one run: its own, and `error` events whose context names it. */
export function ofRun(events: readonly StreamEvent[], runId: string): StreamEvent[] {
  return events.filter((e) => e.payload.run_id === runId || (e.payload.context as { run_id?: string } | undefined)?.run_id === runId);
}

/** Collects the envelopes of every `tickstock:*` channel seen by a subscriber of `url`. */
export async function subscribe(url: string): Promise<{ events: { channel: string; raw: string }[]; close(): Promise<void> }> {
  const sub = new Redis(url, { retryStrategy: (n) => Math.min(n * 100, 500), maxRetriesPerRequest: null });
  sub.on("error", () => undefined);
  const events: { channel: string; raw: string }[] = [];
  sub.on("pmessage", (_p: string, channel: string, raw: string) => events.push({ channel, raw }));
  await sub.psubscribe("tickstock:*");
  return { events, close: async () => void sub.disconnect() };
}

/**
 * The run's end is what the events say: exactly one processing_* end event, naming the status
 * history shows; a failed run has an `error` event naming `component` before it.
 */
export function expectEventsTellTheTruth(events: readonly StreamEvent[], run: RunRow, failedComponent?: string): void {
  const ends = events.filter((e) => ["processing_completed", "processing_failed", "processing_cancelled"].includes(e.event));
  expect(ends.map((e) => e.event)).toEqual([`processing_${run.status}`]);
  expect(ends[0]!.payload).toMatchObject({ run_id: run.run_id, status: run.status, indicators_calculated: run.indicators_calculated, patterns_detected: run.patterns_detected });
  expect(events[0]?.event).toBe("processing_started");
  if (run.status === "failed") {
    expect(ends[0]!.payload.error).toBe(run.error);
    const errors = events.filter((e) => e.event === "error" && e.payload.severity !== "warning");
    expect(errors.length, "an error event before processing_failed").toBeGreaterThan(0);
    if (failedComponent) expect(errors.map((e) => e.payload.component)).toContain(failedComponent);
  }
}

export interface DataState {
  bars: number;
  distinctBars: number;
  /** universe → updated_at (ms), of every cache_entries row. */
  universes: Map<string, number>;
  badCounts: string[];
}

/** ohlcv_daily and cache_entries as AppV2 would read them. */
export async function dataState(query: Query): Promise<DataState> {
  const bars = await query<{ n: string; d: string }>("SELECT count(*) AS n, count(DISTINCT (symbol, date)) AS d FROM ohlcv_daily");
  const entries = await query<{ universe: string; updated: string; ok: boolean }>(
    `SELECT universe, (extract(epoch FROM updated_at) * 1000)::bigint::text AS updated,
            (content->>'count')::int = jsonb_array_length(content->'symbols') AS ok
     FROM cache_entries`,
  );
  return {
    bars: Number(bars.rows[0]!.n),
    distinctBars: Number(bars.rows[0]!.d),
    universes: new Map(entries.rows.map((r) => [r.universe, Number(r.updated)])),
    badCounts: entries.rows.filter((r) => !r.ok).map((r) => r.universe),
  };
}

/** No duplicate bars; every universe's count matches its symbols; no run left running. */
export async function expectIntact(query: Query): Promise<DataState> {
  const state = await dataState(query);
  expect(state.bars).toBe(state.distinctBars);
  expect(state.badCounts).toEqual([]);
  const running = await query("SELECT run_id FROM coordinator.runs WHERE status = 'running'");
  expect(running.rows).toEqual([]);
  return state;
}

/**
 * cache_entries were written by one job or not at all: every universe the job wrote carries the
 * job's one write time, every other one its time from before. `before` is the state before the job.
 */
export function expectWholeJobs(before: DataState, after: DataState): void {
  const changed = [...after.universes].filter(([u, t]) => before.universes.get(u) !== t).map(([, t]) => t);
  expect(new Set(changed).size, "universes written at more than one time: a half-written job").toBeLessThanOrEqual(1);
}

/**
 * A superuser connection holding a lock the test chooses, so that a service's next statement
 * waits inside its transaction until the lock is released (the kill lands at a known point).
 */
export async function holdLock(adminUrl: string, statements: string[]): Promise<{ query(sql: string, params?: unknown[]): Promise<pg.QueryResult>; release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: adminUrl });
  client.on("error", () => undefined);
  await client.connect();
  await client.query("BEGIN");
  for (const sql of statements) await client.query(sql);
  return {
    query: (sql, params) => client.query(sql, params),
    async release() {
      await client.query("ROLLBACK").catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}

/** Waits until a backend of `application` waits on a lock inside an open transaction; returns its pid. */
export async function waitForBlockedBackend(query: Query, application: string, timeoutMs = 30_000): Promise<number> {
  return waitUntil(`${application} blocked inside a transaction`, async () => {
    const { rows } = await query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
       WHERE application_name = $1 AND wait_event_type = 'Lock' AND xact_start IS NOT NULL AND datname = current_database()`,
      [application],
    );
    return rows[0]?.pid;
  }, timeoutMs);
}

/** Waits until the backend `pid` (of a killed client) has ended, so its locks are gone. */
export async function waitForBackendGone(query: Query, pid: number): Promise<void> {
  await waitUntil(`backend ${pid} to end`, async () => (await query("SELECT 1 FROM pg_stat_activity WHERE pid = $1", [pid])).rowCount === 0);
}

/** Waits until the stream holds `event` of the run (after `fromId`); returns the run's events so far. */
export async function waitForEvent(redis: Redis, fromId: string, runId: string, event: string, timeoutMs = 30_000): Promise<StreamEvent[]> {
  return waitUntil(`${event} of run ${runId}`, async () => {
    const events = ofRun(await readStream(redis, fromId), runId);
    return events.some((e) => e.event === event) ? events : undefined;
  }, timeoutMs);
}

/**
 * A redis-server of the test's own that can be stopped and started again on its port with its
 * data (SHUTDOWN SAVE, then the RDB file reloaded), as a Redis with persistence restarts. Started
 * with `refuseWrites`, it answers every write NOREPLICAS until `acceptWrites()`: a subscriber can
 * connect before any service delivers what it kept while Redis was away.
 */
export interface OwnRedis {
  url: string;
  start(opts?: { refuseWrites?: boolean }): Promise<void>;
  acceptWrites(): Promise<void>;
  stop(): Promise<void>;
}

export async function startOwnRedis(dir: string): Promise<OwnRedis> {
  const bin = redisServerBin();
  if (!bin) throw new Error("redis-server not found");
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const own: OwnRedis = {
    url,
    async start({ refuseWrites = false } = {}) {
      const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no", "--loglevel", "warning"];
      if (refuseWrites) args.push("--min-replicas-to-write", "1");
      child = spawn(bin, args, { stdio: "ignore" });
      await waitForPort(port);
    },
    async acceptWrites() {
      const c = new Redis(url);
      await c.config("SET", "min-replicas-to-write", "0");
      c.disconnect();
    },
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((r) => c.once("exit", r));
      const admin = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      admin.on("error", () => undefined);
      await admin.shutdown("SAVE").catch(() => undefined);
      admin.disconnect();
      await exited;
    },
  };
  await own.start();
  return own;
}

/** A forced full cache sync through the gateway (fills cache_entries before a run names top_500). */
export async function syncCache(system: RunningSystem): Promise<void> {
  const res = await api(system, "/api/processing/cache-sync/trigger", { method: "POST", body: JSON.stringify({ mode: "full", force: true }) });
  const { job_id } = (await res.json()) as { job_id: string };
  expect(res.status).toBe(202);
  await waitUntil("the cache sync to complete", async () => {
    const job = (await (await api(system, `/api/processing/cache-sync/status/${job_id}`)).json()) as { status: string };
    if (job.status === "failed" || job.status === "error") throw new Error(`cache sync ${JSON.stringify(job)}`);
    return job.status === "completed";
  }, 30_000, 100);
}

/** Lines of a process's JSON log whose `msg` matches. */
export function logLines(file: string, msg: RegExp): Record<string, unknown>[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => typeof l.msg === "string" && msg.test(l.msg));
}

/** Signs in a process's log that it died of an uncaught error (Node prints its version last). */
export function crashLines(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter((l) => /Unhandled 'error' event|^Node\.js v\d|uncaughtException|unhandledRejection/.test(l));
}
