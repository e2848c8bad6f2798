import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { errorMetadata } from "@tickstock/common/errors.ts";
import type { RunSyncPhaseResponse } from "@tickstock/gen/tickstock/cachesync/v1/cache_sync_pb.js";
import { ImportService } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { createTestDatabase, type TestDatabase } from "../../../test/support/db.ts";
import { captureEvents, type CapturedEvent } from "../../../test/support/redis.ts";
import { createServiceClient, type ServiceHarness } from "../../../test/support/services.ts";
import { DEFAULT_CACHE_SYNC_CONFIG } from "../src/config.ts";
import {
  AS_OF,
  createGate,
  importMarket,
  MARKET_DATE,
  queryAs,
  readEntries,
  startCacheSync,
  startImport,
  waitForJob,
  type CacheSyncHarness,
} from "./harness.ts";

let db: TestDatabase;
let importSvc: ServiceHarness;
let svc: CacheSyncHarness;
let capture: Awaited<ReturnType<typeof captureEvents>>;
const gate = createGate();
const asOf = { value: AS_OF };
const BANDS = ["mega_cap", "large_cap", "mid_cap", "small_cap", "micro_cap"];

beforeAll(async () => {
  db = await createTestDatabase();
  importSvc = await startImport(db);
  await importMarket(importSvc.address);
  // A row of AppV2's own: never read, rewritten or deleted by a sync.
  await db.query("INSERT INTO cache_entries (universe, content, cache_type) VALUES ('appv2_settings', '{\"theme\": \"dark\"}', 'app_settings')");
  svc = await startCacheSync(db, { importAddress: importSvc.address, asOf, interceptors: [gate.interceptor] });
  capture = await captureEvents();
});

afterAll(async () => {
  gate.open();
  await capture?.close();
  await svc?.stop();
  await importSvc?.stop();
  await db?.drop();
});

async function trigger(mode?: string, force?: boolean) {
  return svc.client.triggerSync({ mode, force });
}

/** Triggers and waits for the end; returns the ended job and its events (once cache_sync_completed arrived). */
async function sync(mode: string, force = false) {
  const { jobId } = await trigger(mode, force);
  const job = await waitForJob(svc.client, jobId);
  const events = await jobEvents(jobId);
  return { job, events };
}

async function jobEvents(jobId: string): Promise<CapturedEvent[]> {
  const all = await capture.waitFor((es) => es.some((e) => e.event === "cache_sync_completed" && e.payload.job_id === jobId));
  return all.filter((e) => e.payload.job_id === jobId || (e.payload.context as { job_id?: string } | undefined)?.job_id === jobId);
}

const names = (events: CapturedEvent[], event: string) => events.filter((e) => e.event === event);
const jobRow = async (jobId: string) => (await db.query("SELECT * FROM cache_sync.jobs WHERE job_id = $1", [jobId])).rows[0];
const symbolCaps = async () => new Map((await db.query<{ symbol: string; market_cap: number }>("SELECT symbol, market_cap FROM symbols")).rows.map((r) => [r.symbol, r.market_cap]));
/**
 * Undoes a test's edits: the synthetic market's symbols as imported, and the cache rebuilt from
 * them with force (putting back many symbols is a large change the sanity check would refuse).
 */
async function restore() {
  await importMarket(importSvc.address, MARKET_DATE, MARKET_DATE);
  expect((await sync("full", true)).job.status).toBe("completed");
}

async function grpcError(p: Promise<unknown> | AsyncIterable<unknown>): Promise<{ code: Code; field?: string; message: string } | "ok"> {
  try {
    if (Symbol.asyncIterator in (p as object)) for await (const _ of p as AsyncIterable<unknown>) void _;
    else await p;
    return "ok";
  } catch (err) {
    const ce = ConnectError.from(err);
    return { code: ce.code, field: errorMetadata(ce)?.field, message: ce.rawMessage };
  }
}

describe("a full sync on an empty cache", () => {
  let jobId: string;
  let events: CapturedEvent[];

  beforeAll(async () => {
    const res = await trigger();
    expect(res).toMatchObject({ success: true, mode: "full", message: "Cache synchronization (full) started" });
    jobId = res.jobId;
    const job = await waitForJob(svc.client, jobId);
    expect(job.status).toBe("completed");
    events = await jobEvents(jobId);
  });

  it("builds the bands, top lists, sector leaders, themes and recent IPOs, ranked by market cap", async () => {
    const entries = await readEntries(db);
    const caps = await symbolCaps();
    for (const band of BANDS) expect(entries.get(band)?.cache_type).toBe("market_cap");
    for (const top of ["top_100", "top_500", "top_1000", "top_2000"]) expect(entries.get(top)?.cache_type).toBe("top_n");
    for (const theme of Object.keys(DEFAULT_CACHE_SYNC_CONFIG.themes)) expect(entries.get(theme)?.cache_type).toBe("theme");
    expect(entries.get("recent_ipos")?.cache_type).toBe("ipo");
    const sectors = [...entries.values()].filter((e) => e.cache_type === "sector");
    expect(sectors.length).toBeGreaterThan(5);
    expect(entries.get("top_100")!.content.symbols).toHaveLength(100);
    expect(entries.get("mega_cap")!.content.symbols.every((s) => caps.get(s)! >= 200e9)).toBe(true);
    expect(entries.get("large_cap")!.content.symbols.every((s) => caps.get(s)! >= 10e9 && caps.get(s)! < 200e9)).toBe(true);
    for (const entry of entries.values()) {
      if (entry.cache_type === "app_settings") continue;
      const ranked = entry.content.symbols.map((s) => caps.get(s)!);
      expect(ranked, entry.universe).toEqual([...ranked].sort((a, b) => b - a));
    }
  });

  it("stores content exactly as {symbols, count, last_updated, metadata}, at updated_at", async () => {
    for (const entry of (await readEntries(db)).values()) {
      if (entry.cache_type === "app_settings") continue;
      expect(Object.keys(entry.content).sort(), entry.universe).toEqual(["count", "last_updated", "metadata", "symbols"]);
      expect(entry.content.count).toBe(entry.content.symbols.length);
      expect(new Date(entry.content.last_updated).getTime()).toBe(entry.updated_at.getTime());
    }
    expect((await readEntries(db)).get("mega_cap")!.content.metadata).toMatchObject({ market_cap_range: "mega_cap", min_market_cap: 200e9 });
  });

  it("publishes triggered, one universe_updated per universe, the IPOs, then completed", async () => {
    const entries = await readEntries(db);
    const order = events.map((e) => e.event);
    expect(order[0]).toBe("cache_sync_triggered");
    expect(order.at(-1)).toBe("cache_sync_completed");
    expect(events[0]).toMatchObject({ channel: "tickstock:cache:sync_triggered", source: "cache_sync_api", version: "1.0", payload: { job_id: jobId, mode: "full", force: false, triggered_by: "api" } });
    const updated = names(events, "universe_updated");
    expect(updated.map((e) => e.payload.universe).sort()).toEqual([...entries.keys()].filter((n) => n !== "appv2_settings").sort());
    const mega = updated.find((e) => e.payload.universe === "mega_cap")!;
    expect(mega).toMatchObject({ channel: "tickstock:universe:updated", source: "daily_cache_sync_job" });
    expect(mega.payload).toEqual({ job_id: jobId, universe: "mega_cap", type: "market_cap", symbol_count: entries.get("mega_cap")!.content.count, added: entries.get("mega_cap")!.content.symbols, removed: [] });
    const ipos = names(events, "ipo_assignment");
    expect(ipos.map((e) => e.payload.symbol).sort()).toEqual([...entries.get("recent_ipos")!.content.symbols].sort());
    expect(ipos.length).toBeGreaterThan(0);
    for (const ipo of ipos) expect((ipo.payload.universes as string[])[0]).toBe("recent_ipos");
    expect(ipos[0]!.channel).toBe("tickstock:cache:ipo_assignment");
  });

  it("records the job: completed, total changes = symbols added, the universes updated, rows written", async () => {
    const job = await svc.client.getJob({ jobId });
    const entries = await readEntries(db);
    const added = [...entries.values()].filter((e) => e.cache_type !== "app_settings").reduce((n, e) => n + e.content.count, 0);
    expect(job).toMatchObject({ status: "completed", mode: "full", triggeredBy: "api", totalChanges: added });
    expect(job.progress).toBeUndefined();
    expect(job.errorDetails).toBeUndefined();
    expect(job.universesUpdated.length).toBe(entries.size - 1);
    expect(timestampDate(job.endTime!).getTime()).toBeGreaterThanOrEqual(timestampDate(job.startTime!).getTime());
    expect((await jobRow(jobId)).rows_written).toBe(entries.size - 1);
    const completed = names(events, "cache_sync_completed")[0]!;
    expect(completed).toMatchObject({ channel: "tickstock:cache:sync_complete", source: "daily_cache_sync_job" });
    expect(completed.payload).toMatchObject({ job_id: jobId, status: "completed", mode: "full", total_changes: added, universes_updated: job.universesUpdated });
    expect(typeof completed.payload.duration_seconds).toBe("number");
  });

  it("keeps per-universe statistics in cache_entries_metadata", async () => {
    const { rows } = await db.query("SELECT * FROM cache_sync.cache_entries_metadata WHERE universe = 'top_100'");
    expect(rows[0]).toMatchObject({ cache_type: "top_n", symbol_count: 100, last_added: 100, last_removed: 0, last_job_id: jobId, rewrites: 1 });
  });

  it("is readable by AppV2's read-only role with seed 001's SQL, and not writable by it", async () => {
    const { rows } = await queryAs<{ universe: string; symbol_count: number }>(
      db,
      "reader",
      "SELECT universe, jsonb_array_length(content->'symbols') as symbol_count FROM cache_entries ORDER BY updated_at DESC LIMIT 10",
    );
    expect(rows).toHaveLength(10);
    await expect(queryAs(db, "reader", "DELETE FROM cache_entries")).rejects.toMatchObject({ code: "42501" });
  });
});

describe("idempotence", () => {
  it("a second full sync changes nothing, rewrites no row and publishes no universe_updated", async () => {
    const before = await readEntries(db);
    const { job, events } = await sync("full");
    expect(job).toMatchObject({ status: "completed", totalChanges: 0, universesUpdated: [] });
    expect((await jobRow(job.jobId)).rows_written).toBe(0);
    const after = await readEntries(db);
    for (const [name, entry] of after) {
      expect(entry.xmin, name).toBe(before.get(name)!.xmin);
      expect(entry.updated_at.getTime(), name).toBe(before.get(name)!.updated_at.getTime());
    }
    expect(events.map((e) => e.event)).toEqual(["cache_sync_triggered", "cache_sync_completed"]);
    expect(events[1]!.payload).toMatchObject({ total_changes: 0, universes_updated: [] });
  });
});

describe("each mode touches its own universes only", () => {
  afterAll(restore);

  it("market_cap: a symbol that grows moves band; themes are not rewritten", async () => {
    const entries = await readEntries(db);
    const mover = entries.get("mid_cap")!.content.symbols[0]!;
    await queryAs(db, "import", "UPDATE symbols SET market_cap = 150e9 WHERE symbol = $1", [mover]);
    const { job, events } = await sync("market_cap");
    expect(job.status).toBe("completed");
    const updated = names(events, "universe_updated").map((e) => e.payload);
    expect(updated.find((u) => u.universe === "mid_cap")).toMatchObject({ type: "market_cap", added: [], removed: [mover] });
    expect(updated.find((u) => u.universe === "large_cap")).toMatchObject({ added: [mover], removed: [] });
    expect(updated.every((u) => ["market_cap", "top_n", "sector"].includes(u.type as string))).toBe(true);
    const after = await readEntries(db);
    for (const theme of Object.keys(DEFAULT_CACHE_SYNC_CONFIG.themes)) expect(after.get(theme)!.xmin).toBe(entries.get(theme)!.xmin);
    expect(job.totalChanges).toBe(updated.reduce((n, u) => n + (u.added as string[]).length + (u.removed as string[]).length, 0));
  });

  it("themes: a large company that now files as a software publisher joins the software themes", async () => {
    const entries = await readEntries(db);
    const { rows } = await db.query<{ symbol: string }>(
      "SELECT symbol FROM symbols WHERE active AND market_cap > 60e9 AND sic_description NOT ILIKE '%software%' ORDER BY market_cap DESC LIMIT 1",
    );
    const joiner = rows[0]!.symbol;
    await queryAs(db, "import", "UPDATE symbols SET sic_description = 'SERVICES-PREPACKAGED SOFTWARE', industry = 'Software' WHERE symbol = $1", [joiner]);
    const { job, events } = await sync("themes");
    expect(job.status).toBe("completed");
    const updated = names(events, "universe_updated").map((e) => e.payload);
    expect(updated.length).toBeGreaterThan(0);
    expect(updated.every((u) => u.type === "theme")).toBe(true);
    expect(updated.find((u) => u.universe === "cloud_computing")!.added).toContain(joiner);
    const after = await readEntries(db);
    for (const name of [...BANDS, "top_100", "recent_ipos"]) expect(after.get(name)!.xmin).toBe(entries.get(name)!.xmin);
  });

  it("ipos: a symbol listed last week joins recent_ipos, with an ipo_assignment event", async () => {
    const entries = await readEntries(db);
    const newcomer = entries.get("small_cap")!.content.symbols.find((s) => !entries.get("recent_ipos")!.content.symbols.includes(s))!;
    await queryAs(db, "import", "UPDATE symbols SET list_date = '2025-01-28' WHERE symbol = $1", [newcomer]);
    const { job, events } = await sync("ipos");
    expect(job.status).toBe("completed");
    const updated = names(events, "universe_updated").map((e) => e.payload);
    expect(updated.find((u) => u.universe === "recent_ipos")).toMatchObject({ type: "ipo", added: [newcomer], removed: [] });
    expect(updated.every((u) => u.type === "ipo" || u.type === "theme")).toBe(true);
    const ipo = names(events, "ipo_assignment").map((e) => e.payload);
    expect(ipo).toEqual([{ job_id: job.jobId, symbol: newcomer, universes: expect.arrayContaining(["recent_ipos"]), list_date: "2025-01-28" }]);
    const after = await readEntries(db);
    for (const name of [...BANDS, "top_100"]) expect(after.get(name)!.xmin).toBe(entries.get(name)!.xmin);
  });
});

describe("delisting", () => {
  afterAll(restore);

  it("removes a delisted symbol from every universe, keeps its memberships as history, and says so", async () => {
    await sync("full");
    const before = await readEntries(db);
    const gone = before.get("top_100")!.content.symbols[3]!;
    const homes = [...before.values()].filter((e) => e.content.symbols?.includes(gone)).map((e) => e.universe).sort();
    expect(homes.length).toBeGreaterThan(2);
    await queryAs(db, "import", "UPDATE symbols SET active = false, delisted_date = '2025-02-03' WHERE symbol = $1", [gone]);

    const { job, events } = await sync("market_cap");
    expect(job.status).toBe("completed");
    const after = await readEntries(db);
    expect([...after.values()].filter((e) => e.content.symbols?.includes(gone))).toEqual([]);
    const cleanup = names(events, "delisting_cleanup");
    expect(cleanup).toHaveLength(1);
    expect(cleanup[0]).toMatchObject({ channel: "tickstock:cache:delisting_cleanup", payload: { job_id: job.jobId, symbols_removed: [gone], universes_affected: homes } });
    for (const home of homes) expect(names(events, "universe_updated").find((e) => e.payload.universe === home)!.payload.removed).toContain(gone);

    const history = await db.query("SELECT universe, rank, delisted_date::text AS delisted_date, job_id FROM cache_sync.delisted_memberships WHERE symbol = $1 ORDER BY universe", [gone]);
    expect(history.rows.map((r) => r.universe)).toEqual(homes);
    expect(history.rows.find((r) => r.universe === "top_100")).toEqual({ universe: "top_100", rank: 4, delisted_date: "2025-02-03", job_id: job.jobId });
  });
});

describe("sanity checks", () => {
  afterAll(async () => {
    asOf.value = AS_OF;
    await restore();
  });

  it("fails without bars for the latest trading day, writes nothing, and force runs anyway", async () => {
    const before = await readEntries(db);
    asOf.value = new Date("2025-02-04T22:00:00Z");
    const { job, events } = await sync("full");
    expect(job.status).toBe("failed");
    expect(job.errorDetails).toBe("sanity checks failed (force: true skips them): no bars for the latest trading day 2025-02-04: the newest bar is for 2025-02-03");
    expect(job.progress).toBeUndefined();
    const after = await readEntries(db);
    for (const [name, entry] of after) expect(entry.xmin, name).toBe(before.get(name)!.xmin);
    const error = names(events, "error")[0]!;
    expect(error).toMatchObject({ channel: "tickstock:errors", payload: { severity: "error", component: "cache_sync", error_code: "CACHE_SYNC_SANITY_CHECK_FAILED", context: { job_id: job.jobId } } });
    expect(names(events, "cache_sync_completed")[0]!.payload).toMatchObject({ status: "failed", total_changes: 0, universes_updated: [] });

    const forced = await sync("full", true);
    expect(forced.job.status).toBe("completed");
  });

  it("fails when a universe would lose more than 30% of its members; force applies it", async () => {
    asOf.value = AS_OF;
    const before = await readEntries(db);
    const top = before.get("top_100")!.content.symbols.slice(0, 40);
    await queryAs(db, "import", "UPDATE symbols SET market_cap = 1e6 WHERE symbol = ANY($1)", [top]);
    const { job } = await sync("market_cap");
    expect(job.status).toBe("failed");
    expect(job.errorDetails).toContain("top_100 would lose 40 of its 100 members (40.0%), more than the allowed 30.0%");
    expect((await readEntries(db)).get("top_100")!.xmin).toBe(before.get("top_100")!.xmin);

    const forced = await sync("market_cap", true);
    expect(forced.job.status).toBe("completed");
    expect((await readEntries(db)).get("top_100")!.content.symbols).not.toContain(top[0]);
  });
});

describe("one job at a time", () => {
  afterAll(() => gate.open());

  it("queues triggers behind a running job, joins a same-mode pending one, then runs them in order", async () => {
    gate.close();
    const first = await trigger("full");
    const running = await waitForJob(svc.client, first.jobId, (s) => s === "running");
    expect(running.progress).toMatchObject({ currentTask: "load_input", completed: 0, total: 5, percentComplete: 0 });

    const second = await trigger("themes");
    expect(second.message).toBe("Cache synchronization (themes) queued behind 1 job");
    const again = await trigger("themes", true);
    expect(again.jobId).toBe(second.jobId);
    expect(again.message).toBe("Cache synchronization (themes) already queued: this is the pending job");
    const third = await trigger("market_cap");
    expect(third.message).toBe("Cache synchronization (market_cap) queued behind 2 jobs");
    expect((await svc.client.getJob({ jobId: second.jobId })).status).toBe("pending");
    expect((await jobRow(second.jobId)).force).toBe(true);

    gate.open();
    const ended = await Promise.all([first, second, third].map((j) => waitForJob(svc.client, j.jobId)));
    expect(ended.map((j) => j.status)).toEqual(["completed", "completed", "completed"]);
    const starts = ended.map((j) => timestampDate(j.startTime!).getTime());
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(timestampDate(ended[1]!.startTime!).getTime()).toBeGreaterThanOrEqual(timestampDate(ended[0]!.endTime!).getTime());
  });

  it("the database refuses a second running job", async () => {
    // One statement, so the worker never sees (and recovers) a half of it.
    const two = `INSERT INTO cache_sync.jobs (job_id, mode, triggered_by, status, start_time)
                 VALUES (gen_random_uuid(), 'full', 'api', 'running', now()), (gen_random_uuid(), 'ipos', 'api', 'running', now())`;
    await expect(db.query(two)).rejects.toMatchObject({ code: "23505" });
  });
});

describe("the pipeline phase (RunSyncPhase)", () => {
  const runId = "5b0c7f2e-7d0a-4a53-9a53-2d5e1c9b1a01";

  async function collect(stream: AsyncIterable<RunSyncPhaseResponse>) {
    const progress = [];
    let result;
    for await (const msg of stream) {
      if (msg.event.case === "progress") progress.push(msg.event.value);
      else if (msg.event.case === "result") result = msg.event.value;
    }
    return { progress, result: result! };
  }

  it("streams each step's progress and the result, and publishes the run's phase events with run_id and job_id", async () => {
    const entries = await readEntries(db);
    await queryAs(db, "import", "UPDATE symbols SET market_cap = 250e9 WHERE symbol = $1", [entries.get("large_cap")!.content.symbols[5]]);
    const { progress, result } = await collect(svc.client.runSyncPhase({ runId, mode: "full", runDate: MARKET_DATE }));
    expect(result).toMatchObject({ status: "completed", errorDetails: "" });
    expect(result.totalChanges).toBeGreaterThan(0);
    expect(progress.map((p) => [p.currentTask, p.completed, p.total, p.percentComplete])).toEqual([
      ["load_input", 0, 5, 0],
      ["market_cap_recalculation", 1, 5, 20],
      ["theme_rebalancing", 2, 5, 40],
      ["ipo_universe_assignment", 3, 5, 60],
      ["delisted_cleanup", 4, 5, 80],
      ["write_cache_entries", 5, 5, 100],
    ]);
    const events = await jobEvents(result.jobId);
    const job = await jobRow(result.jobId);
    expect(job).toMatchObject({ triggered_by: "pipeline", run_id: runId, status: "completed" });
    expect(names(events, "cache_sync_triggered")[0]!.payload).toMatchObject({ triggered_by: "pipeline", run_id: runId });
    expect(names(events, "cache_sync_started")[0]).toMatchObject({ channel: "tickstock:cache:started", payload: { run_id: runId, job_id: result.jobId, mode: "full" } });
    const phaseProgress = names(events, "cache_sync_progress");
    expect(phaseProgress).toHaveLength(6);
    expect(phaseProgress[1]).toMatchObject({ channel: "tickstock:cache:progress", payload: { run_id: runId, job_id: result.jobId, current_task: "market_cap_recalculation", completed: 1, total: 5, percent_complete: 20 } });
    expect(names(events, "cache_sync_phase_completed")[0]).toMatchObject({
      channel: "tickstock:cache:completed",
      payload: { run_id: runId, job_id: result.jobId, status: "completed", total_changes: result.totalChanges, universes_updated: result.universesUpdated },
    });
    for (const u of names(events, "universe_updated")) expect(u.payload.run_id).toBe(runId);
    const order = events.map((e) => e.event);
    expect(order.indexOf("cache_sync_started")).toBeLessThan(order.indexOf("universe_updated"));
    expect(order.indexOf("universe_updated")).toBeLessThan(order.indexOf("cache_sync_phase_completed"));
    await restore();
  });

  it("stops the job when the caller cancels: it ends failed and writes nothing", async () => {
    const before = await readEntries(db);
    gate.close();
    const abort = new AbortController();
    let jobId = "";
    const outcome = await grpcError(
      (async function* () {
        for await (const msg of svc.client.runSyncPhase({ runId: "run-cancelled", mode: "market_cap" }, { signal: abort.signal })) {
          if (msg.event.case === "progress") {
            jobId = (await db.query("SELECT job_id FROM cache_sync.jobs WHERE run_id = 'run-cancelled'")).rows[0]!.job_id;
            abort.abort();
          }
          yield msg;
        }
      })(),
    );
    expect(outcome).toMatchObject({ code: Code.Canceled });
    const job = await waitForJob(svc.client, jobId);
    gate.open();
    expect(job.status).toBe("failed");
    expect(job.errorDetails).toBe("cancelled: the processing run stopped waiting for this phase");
    const events = await jobEvents(jobId);
    expect(names(events, "cache_sync_phase_completed")[0]!.payload).toMatchObject({ run_id: "run-cancelled", status: "failed" });
    expect(names(events, "error")).toEqual([]);
    for (const [name, entry] of await readEntries(db)) expect(entry.xmin, name).toBe(before.get(name)!.xmin);
  });

  it("a run that asks again joins its active job", async () => {
    gate.close();
    const first = svc.client.runSyncPhase({ runId: "run-twice", mode: "ipos" });
    const iterator = first[Symbol.asyncIterator]();
    await iterator.next();
    // Asked again with force: the joined job's force flips, which shows the second call joined.
    const second = collect(svc.client.runSyncPhase({ runId: "run-twice", mode: "ipos", force: true }));
    for (let joined = false; !joined; await new Promise((r) => setTimeout(r, 20))) {
      joined = (await db.query("SELECT 1 FROM cache_sync.jobs WHERE run_id = 'run-twice' AND force")).rowCount === 1;
    }
    gate.open();
    const { result } = await second;
    for (let m = await iterator.next(); !m.done; m = await iterator.next()) void m;
    const { rows } = await db.query("SELECT job_id FROM cache_sync.jobs WHERE run_id = 'run-twice'");
    expect(rows).toEqual([{ job_id: result.jobId }]);
    expect(result.status).toBe("completed");
  });
});

describe("history, stats and universes", () => {
  it("pages the history newest first and counts every job", async () => {
    const { rows } = await db.query<{ job_id: string }>("SELECT job_id FROM cache_sync.jobs ORDER BY created_at DESC, job_id DESC");
    const page1 = await svc.client.listJobs({ limit: 3 });
    const page2 = await svc.client.listJobs({ limit: 3, offset: 3 });
    expect(page1).toMatchObject({ total: rows.length, limit: 3, offset: 0 });
    expect([...page1.jobs, ...page2.jobs].map((j) => j.jobId)).toEqual(rows.slice(0, 6).map((r) => r.job_id));
    const defaults = await svc.client.listJobs({});
    expect(defaults).toMatchObject({ limit: 10, offset: 0 });
    expect(defaults.jobs).toHaveLength(Math.min(10, rows.length));
    const failed = (await svc.client.listJobs({ limit: 100 })).jobs.filter((j) => j.hasErrors);
    expect(failed.map((j) => j.status).every((s) => s === "failed" || s === "error")).toBe(true);
    expect(failed.length).toBeGreaterThan(0);
  });

  it("gives universe sizes and the jobs of the last 7 days", async () => {
    const stats = await svc.client.getStats({});
    const entries = await readEntries(db);
    expect(stats.universes.map((u) => u.universe).sort()).toEqual([...entries.keys()].filter((n) => n !== "appv2_settings").sort());
    expect(stats.universes.slice(0, 5).map((u) => u.universe)).toEqual(BANDS);
    const mega = stats.universes.find((u) => u.universe === "mega_cap")!;
    expect(mega).toMatchObject({ type: "market_cap", symbolCount: entries.get("mega_cap")!.content.count });
    expect(timestampDate(mega.lastUpdated!).getTime()).toBe(entries.get("mega_cap")!.updated_at.getTime());
    const { rows } = await db.query("SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'completed')::int AS ok, count(*) FILTER (WHERE status IN ('failed', 'error'))::int AS bad FROM cache_sync.jobs");
    expect(stats.jobStatistics).toMatchObject({ totalJobs7d: rows[0].total, successfulJobs7d: rows[0].ok, failedJobs7d: rows[0].bad });
    expect(stats.jobStatistics!.avgDurationSeconds).toBeGreaterThan(0);
  });

  it("lists universes and serves one's members for the coordinator", async () => {
    const { universes } = await svc.client.listUniverses({});
    expect(universes.map((u) => u.universe)).toContain("top_500");
    const top = await svc.client.getUniverse({ universe: "top_500" });
    expect(top).toMatchObject({ universe: "top_500", type: "top_n" });
    expect(top.symbols).toEqual((await readEntries(db)).get("top_500")!.content.symbols);
    expect(await grpcError(svc.client.getUniverse({ universe: "nope" }))).toMatchObject({ code: Code.NotFound });
  });

  it("never touched AppV2's own row", async () => {
    const { rows } = await db.query("SELECT content, cache_type, created_at = updated_at AS untouched FROM cache_entries WHERE universe = 'appv2_settings'");
    expect(rows).toEqual([{ content: { theme: "dark" }, cache_type: "app_settings", untouched: true }]);
  });
});

describe("bad input", () => {
  it("is INVALID_ARGUMENT naming the field (or NOT_FOUND), and creates no job", async () => {
    const count = async () => (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM cache_sync.jobs")).rows[0]!.n;
    const before = await count();
    expect(await grpcError(trigger("everything"))).toEqual({ code: Code.InvalidArgument, field: "mode", message: "mode must be one of full, market_cap, themes, ipos" });
    expect(await grpcError(trigger(""))).toMatchObject({ code: Code.InvalidArgument, field: "mode" });
    expect(await grpcError(svc.client.getJob({ jobId: "not-a-uuid" }))).toMatchObject({ code: Code.InvalidArgument, field: "job_id" });
    expect(await grpcError(svc.client.getJob({ jobId: "00000000-0000-4000-8000-000000000000" }))).toMatchObject({ code: Code.NotFound });
    expect(await grpcError(svc.client.listJobs({ limit: 0 }))).toMatchObject({ code: Code.InvalidArgument, field: "limit" });
    expect(await grpcError(svc.client.listJobs({ limit: 101 }))).toMatchObject({ code: Code.InvalidArgument, field: "limit" });
    expect(await grpcError(svc.client.listJobs({ offset: -1 }))).toMatchObject({ code: Code.InvalidArgument, field: "offset" });
    expect(await grpcError(svc.client.runSyncPhase({ runId: "" }))).toMatchObject({ code: Code.InvalidArgument, field: "run_id" });
    expect(await grpcError(svc.client.runSyncPhase({ runId: "r", mode: "all" }))).toMatchObject({ code: Code.InvalidArgument, field: "mode" });
    expect(await grpcError(svc.client.runSyncPhase({ runId: "r", runDate: "2025-02-30" }))).toMatchObject({ code: Code.InvalidArgument, field: "run_date" });
    expect(await grpcError(svc.client.getUniverse({ universe: "" }))).toMatchObject({ code: Code.InvalidArgument, field: "universe" });
    expect(await count()).toBe(before);
  });
});

describe("import service", () => {
  it("is read through its gRPC API only: the cache-sync role cannot read its tables", async () => {
    await expect(queryAs(db, "cache_sync", "SELECT count(*) FROM import.bar_dates")).rejects.toMatchObject({ code: "42501" });
    const coverage = await createServiceClient(ImportService, importSvc.address).describeBars({});
    expect(coverage.latestDate).toBe(MARKET_DATE);
  });
});
