// GET /openapi.json of the real gateway process, checked against what the system really answers:
// every operation of the document is called, and every answer (successes and errors alike) must
// conform to the schema of its status — no key missing, none extra, types as documented.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateSchema } from "../../gateway/test/json-schema.ts";
import { createTestDatabase, type TestDatabase } from "../support/db.ts";
import { api, startSystem, type RunningSystem } from "../support/system.ts";

type Doc = Record<string, any>;

let db: TestDatabase;
let system: RunningSystem;
let doc: Doc;
const exercised = new Set<string>();

beforeAll(async () => {
  db = await createTestDatabase();
  system = await startSystem(db);
  const res = await fetch(`${system.gatewayUrl}/openapi.json`);
  expect(res.status).toBe(200);
  doc = (await res.json()) as Doc;
}, 180_000);

afterAll(async () => {
  await system?.stop();
  await db?.drop();
});

/** Calls an operation of the document and checks the answer against the schema of its status. */
async function call(method: string, template: string, opts: { path?: Record<string, string>; query?: string; body?: unknown } = {}) {
  const operation = doc.paths[template]?.[method.toLowerCase()];
  expect(operation, `${method} ${template} is documented`).toBeDefined();
  let path = template;
  for (const [k, v] of Object.entries(opts.path ?? {})) path = path.replace(`{${k}}`, encodeURIComponent(v));
  const res = await api(system, `${path}${opts.query ? `?${opts.query}` : ""}`, { method, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const body = (await res.json()) as Doc;
  let response = operation.responses[String(res.status)];
  expect(response, `${method} ${path}: status ${res.status} is documented (${JSON.stringify(body).slice(0, 200)})`).toBeDefined();
  if (response.$ref) response = doc.components.responses[response.$ref.split("/").at(-1)];
  const errors = validateSchema(response.content["application/json"].schema, body, doc);
  expect(errors, `${method} ${path} ${res.status}: ${JSON.stringify(body).slice(0, 300)}`).toEqual([]);
  exercised.add(`${method} ${template}`);
  return { status: res.status, body };
}

async function until<T>(fn: () => Promise<T>, done: (v: T) => boolean, what: string, timeoutMs = 120_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (done(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("/openapi.json against the running system", () => {
  it("is served without a key", async () => {
    const res = await fetch(`${system.gatewayUrl}/openapi.json`);
    expect(res.status).toBe(200);
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.paths["/health"].get.security).toEqual([]);
  });

  it("describes the processing endpoints as they answer", async () => {
    const trigger = await call("POST", "/api/processing/trigger-manual", { body: { phases: ["import"] } });
    expect(trigger.status).toBe(202);
    await call("GET", "/api/processing/status");
    await until(() => call("GET", "/api/processing/status"), (r) => r.body.status === "idle" && r.body.last_run?.run_id === trigger.body.run_id, "the run to end");
    const history = await call("GET", "/api/processing/history", { query: "days=30" });
    expect(history.body.runs.length).toBeGreaterThan(0);
    expect((await call("DELETE", "/api/processing/cancel")).status).toBe(409);
    await call("GET", "/api/processing/schedule");
    expect((await call("POST", "/api/processing/schedule", { body: { enabled: true, trigger_time: "16:20" } })).body.trigger_time).toBe("16:20");
    expect((await call("POST", "/api/processing/schedule", { body: { trigger_time: "25:99" } })).status).toBe(400);
  }, 180_000);

  it("describes the cache-sync endpoints as they answer", async () => {
    const trigger = await call("POST", "/api/processing/cache-sync/trigger", { body: { mode: "full", force: true } });
    expect(trigger.status).toBe(202);
    const done = await until(() => call("GET", "/api/processing/cache-sync/status/{job_id}", { path: { job_id: trigger.body.job_id } }), (r) => ["completed", "failed", "error"].includes(r.body.status), "the job to end");
    expect(done.body.status).toBe("completed");
    expect((await call("GET", "/api/processing/cache-sync/status/{job_id}", { path: { job_id: "00000000-0000-4000-8000-000000000000" } })).status).toBe(404);
    expect((await call("GET", "/api/processing/cache-sync/history", { query: "limit=5" })).body.jobs.length).toBeGreaterThan(0);
    expect((await call("GET", "/api/processing/cache-sync/history", { query: "limit=500" })).status).toBe(400);
    expect((await call("GET", "/api/processing/cache-sync/stats")).body.universes.length).toBeGreaterThan(0);
  }, 180_000);

  it("describes the analytics reads and /health as they answer", async () => {
    const { rows } = await db.query<{ symbol: string }>("SELECT symbol FROM ohlcv_daily ORDER BY date DESC, symbol LIMIT 1");
    const indicators = await call("GET", "/api/analytics/indicators/{symbol}", { path: { symbol: rows[0]!.symbol } });
    expect(indicators.status).toBe(200);
    expect(indicators.body.points.length).toBeGreaterThan(0);
    expect((await call("GET", "/api/analytics/indicators/{symbol}", { path: { symbol: "NOSUCHSYMBOL" } })).status).toBe(404);
    await call("GET", "/api/analytics/patterns", { query: "limit=5" });
    const health = await call("GET", "/health");
    expect(health.body.services).toHaveProperty("analytics");
  });

  it("was checked on every operation it documents", () => {
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect([...exercised].sort()).toEqual(documented.sort());
  });
});
