// The gateway's read cache (gateway/src/read-cache.ts) against the real cache-sync service: a
// burst of identical status polls is one upstream call, a write through the gateway or
// `Cache-Control: no-cache` reads fresh, an answer lives READ_CACHE_MS, errors are never kept.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY, startCacheSyncStack, type CacheSyncStack } from "./cache-sync-stack.ts";

const TTL_MS = 400;
let stack: CacheSyncStack;
const upstreamCalls: string[] = [];
const calls = (method: string) => upstreamCalls.filter((m) => m === method).length;
const headers = { "x-api-key": API_KEY, "content-type": "application/json" };

beforeAll(async () => {
  stack = await startCacheSyncStack({ onUpstreamCall: (method) => upstreamCalls.push(method), readCacheMs: TTL_MS });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

async function trigger(mode: string): Promise<string> {
  const res = await fetch(`${stack.base}/api/processing/cache-sync/trigger`, { method: "POST", headers, body: JSON.stringify({ mode }) });
  expect(res.status).toBe(202);
  return ((await res.json()) as { job_id: string }).job_id;
}

const status = (jobId: string, extra: Record<string, string> = {}) =>
  fetch(`${stack.base}/api/processing/cache-sync/status/${jobId}`, { headers: { ...headers, ...extra } });

describe("gateway read cache", () => {
  it("answers a burst of identical polls with one upstream call, and keeps the answer for READ_CACHE_MS", async () => {
    const jobId = await trigger("ipos");
    const before = calls("GetJob");
    const answers = await Promise.all(Array.from({ length: 50 }, () => status(jobId).then(async (r) => [r.status, await r.text()] as const)));
    expect(new Set(answers.map(([s]) => s))).toEqual(new Set([200]));
    expect(new Set(answers.map(([, body]) => body)).size).toBe(1);
    expect(JSON.parse(answers[0]![1]).job_id).toBe(jobId);
    expect(calls("GetJob") - before).toBe(1);

    await status(jobId);
    expect(calls("GetJob") - before).toBe(1); // still fresh
    await new Promise((r) => setTimeout(r, TTL_MS + 50));
    await status(jobId);
    expect(calls("GetJob") - before).toBe(2); // expired: loaded again
  });

  it("reads fresh with Cache-Control: no-cache, and after a write through the gateway", async () => {
    const jobId = await trigger("themes");
    await status(jobId);
    const before = calls("GetJob");
    const fresh = await status(jobId, { "cache-control": "no-cache" });
    expect(fresh.status).toBe(200);
    expect(calls("GetJob") - before).toBe(1);

    await status(jobId); // cached
    expect(calls("GetJob") - before).toBe(1);
    await trigger("market_cap"); // a write: the next read goes upstream
    await status(jobId);
    expect(calls("GetJob") - before).toBe(2);
  });

  it("never keeps an error answer, and still checks the key of every request", async () => {
    const unknown = "00000000-0000-4000-8000-000000000000";
    const before = calls("GetJob");
    expect((await status(unknown)).status).toBe(404);
    expect((await status(unknown)).status).toBe(404);
    expect(calls("GetJob") - before).toBe(2);

    const jobId = await trigger("ipos");
    expect((await status(jobId)).status).toBe(200);
    expect((await status(jobId, { "x-api-key": "not-a-valid-key-at-all" })).status).toBe(401);
  });
});
