// CONTRACT §2.1 and §2.4 through the gateway: the four cache-sync endpoints with X-API-Key,
// JSON compared key by key with the contract, and the 4xx cases (none of which creates a job).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGate } from "../../services/cache-sync/test/harness.ts";
import { API_KEY, startCacheSyncStack, type CacheSyncStack } from "./cache-sync-stack.ts";

let stack: CacheSyncStack;
const gate = createGate();
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// The contract's keys, in its order; the status also carries the job's results (two keys more).
const STATUS_KEYS = ["job_id", "mode", "status", "created_at", "start_time", "end_time", "duration_seconds", "triggered_by", "error_details", "progress"];
const STATUS_EXTRA = ["total_changes", "universes_updated"];
const HISTORY_JOB_KEYS = ["job_id", "mode", "status", "created_at", "start_time", "end_time", "duration_seconds", "triggered_by", "has_errors"];

beforeAll(async () => {
  stack = await startCacheSyncStack({ interceptors: [gate.interceptor] });
});

afterAll(async () => {
  gate.open();
  await stack?.stop();
});

async function call(method: string, path: string, opts: { body?: string; key?: string | null; type?: string } = {}) {
  const headers: Record<string, string> = {};
  if (opts.key !== null) headers["x-api-key"] = opts.key ?? API_KEY;
  if (opts.body !== undefined) headers["content-type"] = opts.type ?? "application/json";
  const res = await fetch(`${stack.base}${path}`, { method, headers, body: opts.body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const trigger = (body: unknown) => call("POST", "/api/processing/cache-sync/trigger", { body: JSON.stringify(body) });
const status = (jobId: string) => call("GET", `/api/processing/cache-sync/status/${jobId}`);

async function until(jobId: string, done: (s: string) => boolean) {
  for (let i = 0; i < 400; i++) {
    const res = await status(jobId);
    if (done(res.body.status as string)) return res;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${jobId} did not get there`);
}

function expectError(res: { status: number; body: Record<string, unknown> }, httpStatus: number, code: string, details?: Record<string, string>) {
  expect(res.status).toBe(httpStatus);
  expect(Object.keys(res.body)).toEqual(["success", "error"]);
  expect(res.body.success).toBe(false);
  const error = res.body.error as Record<string, unknown>;
  expect(error.code).toBe(code);
  expect(typeof error.message).toBe("string");
  if (details) expect(error.details).toEqual(details);
}

describe("POST /api/processing/cache-sync/trigger", () => {
  it("answers 202 with exactly success, job_id, mode, message; both fields default", async () => {
    const res = await trigger({ mode: "full", force: false });
    expect(res.status).toBe(202);
    expect(Object.keys(res.body)).toEqual(["success", "job_id", "mode", "message"]);
    expect(res.body).toMatchObject({ success: true, mode: "full", message: "Cache synchronization (full) started" });
    expect(res.body.job_id).toMatch(UUID);
    await until(res.body.job_id as string, (s) => s === "completed");

    const empty = await call("POST", "/api/processing/cache-sync/trigger", { body: "{}" });
    expect(empty.status).toBe(202);
    expect(empty.body.mode).toBe("full");
    const none = await call("POST", "/api/processing/cache-sync/trigger");
    expect(none.status).toBe(202);
    await until(none.body.job_id as string, (s) => s === "completed");
  });
});

describe("GET /api/processing/cache-sync/status/{job_id}", () => {
  it("while running: the contract's keys, progress filled, end fields null", async () => {
    gate.close();
    const { body } = await trigger({ mode: "market_cap" });
    const res = await until(body.job_id as string, (s) => s === "running");
    gate.open();
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual([...STATUS_KEYS, ...STATUS_EXTRA]);
    expect(res.body).toMatchObject({ job_id: body.job_id, mode: "market_cap", status: "running", end_time: null, duration_seconds: null, triggered_by: "api", error_details: null, total_changes: null });
    expect(res.body.created_at).toMatch(RFC3339_UTC);
    expect(res.body.start_time).toMatch(RFC3339_UTC);
    expect(res.body.progress).toEqual({ current_task: "load_input", completed: 0, total: 3, percent_complete: 0 });
    await until(body.job_id as string, (s) => s === "completed");
  });

  it("once completed: progress null, times and duration as RFC 3339 strings and a number", async () => {
    const { body } = await trigger({ mode: "themes", force: true });
    const res = await until(body.job_id as string, (s) => s === "completed");
    expect(Object.keys(res.body)).toEqual([...STATUS_KEYS, ...STATUS_EXTRA]);
    expect(res.body).toMatchObject({ mode: "themes", status: "completed", triggered_by: "api", error_details: null, progress: null });
    for (const key of ["created_at", "start_time", "end_time"]) expect(res.body[key]).toMatch(RFC3339_UTC);
    expect(typeof res.body.duration_seconds).toBe("number");
    expect(typeof res.body.total_changes).toBe("number");
    expect(Array.isArray(res.body.universes_updated)).toBe(true);
  });

  it("400 for an id that is not a UUID, 404 for an unknown one", async () => {
    expectError(await status("not-a-uuid"), 400, "invalid_argument", { field: "job_id" });
    const unknown = "00000000-0000-4000-8000-000000000000";
    expectError(await status(unknown), 404, "not_found", { job_id: unknown });
  });
});

describe("GET /api/processing/cache-sync/history", () => {
  it("pages newest first with jobs, total, limit, offset; defaults 10 and 0", async () => {
    const all = await call("GET", "/api/processing/cache-sync/history?limit=100");
    expect(all.status).toBe(200);
    expect(Object.keys(all.body)).toEqual(["jobs", "total", "limit", "offset"]);
    const jobs = all.body.jobs as Record<string, unknown>[];
    expect(all.body).toMatchObject({ total: jobs.length, limit: 100, offset: 0 });
    expect(jobs.length).toBeGreaterThanOrEqual(4);
    for (const job of jobs) expect(Object.keys(job)).toEqual(HISTORY_JOB_KEYS);
    expect(jobs[0]).toMatchObject({ mode: "themes", status: "completed", triggered_by: "api", has_errors: false });
    const created = jobs.map((j) => Date.parse(j.created_at as string));
    expect(created).toEqual([...created].sort((a, b) => b - a));

    const page = await call("GET", "/api/processing/cache-sync/history?limit=2&offset=1");
    expect(page.body).toMatchObject({ total: jobs.length, limit: 2, offset: 1 });
    expect((page.body.jobs as { job_id: string }[]).map((j) => j.job_id)).toEqual(jobs.slice(1, 3).map((j) => j.job_id));
    const defaults = await call("GET", "/api/processing/cache-sync/history");
    expect(defaults.body).toMatchObject({ limit: 10, offset: 0 });
  });

  it("400 for limit outside 1..100, a negative offset, or a non-number", async () => {
    expectError(await call("GET", "/api/processing/cache-sync/history?limit=0"), 400, "invalid_argument", { field: "limit" });
    expectError(await call("GET", "/api/processing/cache-sync/history?limit=101"), 400, "invalid_argument", { field: "limit" });
    expectError(await call("GET", "/api/processing/cache-sync/history?offset=-1"), 400, "invalid_argument", { field: "offset" });
    expectError(await call("GET", "/api/processing/cache-sync/history?limit=ten"), 400, "invalid_argument", { field: "limit" });
    expectError(await call("GET", "/api/processing/cache-sync/history?page=2"), 400, "invalid_argument");
  });
});

describe("GET /api/processing/cache-sync/stats", () => {
  it("lists the universes (type, size, last update) and the jobs of the last 7 days", async () => {
    const res = await call("GET", "/api/processing/cache-sync/stats");
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(["universes", "job_statistics"]);
    const universes = res.body.universes as Record<string, unknown>[];
    for (const u of universes) {
      expect(Object.keys(u)).toEqual(["universe", "type", "symbol_count", "last_updated"]);
      expect(typeof u.symbol_count).toBe("number");
      expect(u.last_updated).toMatch(RFC3339_UTC);
    }
    expect(universes[0]).toMatchObject({ universe: "mega_cap", type: "market_cap" });
    const { rows } = await stack.db.query<{ universe: string; n: number }>("SELECT universe, jsonb_array_length(content->'symbols') AS n FROM cache_entries ORDER BY universe");
    expect(universes.map((u) => [u.universe, u.symbol_count]).sort()).toEqual(rows.map((r) => [r.universe, r.n]).sort());
    const stats = res.body.job_statistics as Record<string, unknown>;
    expect(Object.keys(stats)).toEqual(["total_jobs_7d", "successful_jobs_7d", "failed_jobs_7d", "avg_duration_seconds"]);
    const history = await call("GET", "/api/processing/cache-sync/history?limit=100");
    expect(stats).toMatchObject({ total_jobs_7d: history.body.total, successful_jobs_7d: history.body.total, failed_jobs_7d: 0 });
    expect(typeof stats.avg_duration_seconds).toBe("number");
  });
});

describe("errors", () => {
  it("401 without or with a wrong X-API-Key, on every endpoint", async () => {
    for (const [method, path] of [
      ["POST", "/api/processing/cache-sync/trigger"],
      ["GET", "/api/processing/cache-sync/status/00000000-0000-4000-8000-000000000000"],
      ["GET", "/api/processing/cache-sync/history"],
      ["GET", "/api/processing/cache-sync/stats"],
    ] as const) {
      expectError(await call(method, path, { key: null }), 401, "unauthenticated");
      expectError(await call(method, path, { key: "wrong-key-wrong-key" }), 401, "unauthenticated");
    }
  });

  it("400 for a bad trigger body, with the contract's message; none of them creates a job", async () => {
    const total = async () => (await call("GET", "/api/processing/cache-sync/history")).body.total;
    const before = await total();
    const badMode = await trigger({ mode: "everything" });
    expectError(badMode, 400, "invalid_argument", { field: "mode" });
    expect((badMode.body.error as { message: string }).message).toBe("mode must be one of full, market_cap, themes, ipos");
    expectError(await trigger({ mode: "full", force: "yes" }), 400, "invalid_argument", { field: "force" });
    expectError(await trigger({ mode: "full", forced: true }), 400, "invalid_argument");
    expectError(await trigger({ mode: 3 }), 400, "invalid_argument", { field: "mode" });
    expectError(await call("POST", "/api/processing/cache-sync/trigger", { body: "{\"mode\": " }), 400, "invalid_argument");
    expectError(await call("POST", "/api/processing/cache-sync/trigger", { body: "[]" }), 400, "invalid_argument");
    expectError(await call("POST", "/api/processing/cache-sync/trigger", { body: "mode=full", type: "text/plain" }), 415, "unsupported_media_type");
    expect(await total()).toBe(before);
  });
});
