import * as http2 from "node:http2";
import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, type Client, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { createGrpcClient } from "@tickstock/common/grpc-client.ts";
import { invalidArgument } from "@tickstock/common/errors.ts";
import { createLogger } from "@tickstock/common/log.ts";
import { CacheSyncService } from "@tickstock/gen/tickstock/cachesync/v1/cache_sync_pb.js";
import { CoordinatorService } from "@tickstock/gen/tickstock/coordinator/v1/coordinator_pb.js";
import { createGateway } from "../src/server.ts";

/**
 * The gateway's security edges, against fake upstreams (Connect handlers over gRPC): the
 * per-key trigger rate limit over REST and Connect, keys never logged or echoed, request
 * header limits, and no stack trace in any error response.
 */

const KEY_A = "key-a-0123456789abcdef-secret";
const KEY_B = "key-b-0123456789abcdef-secret";
const WRONG_KEY = "wrong-key-0123456789-secret";
const STACK = "boom\n    at Object.<anonymous> (/srv/tickstock/services/coordinator/src/secret.ts:12:3)\n    at node:internal/process/task_queues:95:5";
const LEAK = /\bat .+:\d+:\d+|\.ts:\d+|node:internal|secret\.ts|boom/;

const logLines: string[] = [];
const seen: string[] = []; // every response's status line, headers and body
let upstream: http2.Http2Server;
let gateway: ReturnType<typeof createGateway>;
let base: string;
let port: number;

function fakeUpstreams(router: ConnectRouter): void {
  router.service(CoordinatorService, {
    triggerRun: () => ({ runId: "00000000-0000-4000-8000-000000000001", status: "started", message: "Processing started successfully" }),
    getStatus: () => {
      throw new Error(STACK);
    },
  });
  router.service(CacheSyncService, {
    triggerSync: (req) => ({ success: true, jobId: "00000000-0000-4000-8000-000000000002", mode: req.mode ?? "full", message: "started" }),
    getJob: (req) => {
      if (!/^[0-9a-f-]{36}$/.test(req.jobId)) throw invalidArgument("job_id", "job_id must be a UUID");
      throw new ConnectError(STACK, Code.Unknown);
    },
    getStats: () => {
      throw new ConnectError(STACK, Code.DataLoss);
    },
  });
}

beforeAll(async () => {
  upstream = http2.createServer(connectNodeAdapter({ routes: fakeUpstreams }));
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  const address = `127.0.0.1:${(upstream.address() as net.AddressInfo).port}`;
  const services: DescService[] = [CoordinatorService, CacheSyncService];
  gateway = createGateway({
    log: createLogger({ service: "gateway", level: "trace", destination: { write: (line: string) => void logLines.push(line) } }),
    apiKeys: [KEY_A, KEY_B],
    upstreams: services.map((service) => ({ service, client: createGrpcClient(service, address) as Client<DescService> })),
    healthProbes: { coordinator: async () => "serving" },
    upstreamTimeoutMs: 2_000,
    maxBodyBytes: 64 * 1024,
    triggerRateLimit: { perMinute: 1, burst: 3 }, // a token a minute: no refill during the test
  });
  port = await gateway.listen("127.0.0.1", 0);
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await gateway?.close(500);
  await new Promise((resolve) => upstream?.close(resolve));
});

async function call(path: string, init: { method?: string; key?: string | null; body?: string; type?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.key !== null) headers["x-api-key"] = init.key ?? KEY_A;
  if (init.body !== undefined) headers["content-type"] = init.type ?? "application/json";
  const res = await fetch(`${base}${path}`, { method: init.method ?? "GET", headers, body: init.body });
  const text = await res.text();
  seen.push(`${res.status} ${JSON.stringify([...res.headers])} ${text}`);
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, any> };
}

const triggerRun = (key?: string) => call("/api/processing/trigger-manual", { method: "POST", key, body: "{}" });
const triggerSync = (key?: string) => call("/api/processing/cache-sync/trigger", { method: "POST", key, body: '{"mode":"full"}' });
const connectTrigger = (key: string) =>
  call("/tickstock.coordinator.v1.CoordinatorService/TriggerRun", { method: "POST", key, body: "{}", headers: { "connect-protocol-version": "1" } });

/** A raw HTTP/1.1 request over a socket (fetch refuses some of what an attacker sends): the status. */
function rawRequest(path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let data = "";
    socket.on("data", (c) => (data += c.toString("latin1")));
    const done = () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0));
    socket.on("close", done);
    socket.on("error", done);
    const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
    socket.write(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n${lines}\r\n`);
  });
}

describe("per-key rate limit of the triggers", () => {
  it("answers 429 resource_exhausted with Retry-After past the burst; both triggers share the key's bucket", async () => {
    expect((await triggerRun()).status).toBe(202);
    expect((await triggerSync()).status).toBe(202);
    expect((await triggerRun()).status).toBe(202);
    const limited = await triggerSync();
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.json()).toEqual({
      success: false,
      error: { code: "resource_exhausted", message: expect.stringMatching(/rate limit/), details: { retry_after: String(retryAfter) } },
    });
    expect((await triggerRun()).status).toBe(429);
  });

  it("limits the same RPCs over Connect, with Retry-After", async () => {
    const limited = await connectTrigger(KEY_A);
    expect(limited.status).toBe(429);
    expect(limited.json().code).toBe("resource_exhausted");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });

  it("leaves another key, and the other endpoints, unaffected", async () => {
    expect((await triggerRun(KEY_B)).status).toBe(202);
    expect((await connectTrigger(KEY_B)).status).toBe(200);
    expect((await call("/api/processing/cache-sync/status/00000000-0000-4000-8000-000000000002")).status).toBe(500);
    expect((await call("/api/processing/cache-sync/history")).status).not.toBe(429);
  });

  it("checks the key before the limit: a wrong key gets 401, never 429", async () => {
    for (let i = 0; i < 5; i++) expect((await triggerRun(WRONG_KEY)).status).toBe(401);
  });
});

describe("no stack traces, no internals in error responses", () => {
  it("masks an upstream's internal, unknown and data-loss errors over REST and Connect", async () => {
    const rest = await call("/api/processing/status");
    expect(rest.status).toBe(500);
    expect(rest.json()).toEqual({ success: false, error: { code: "internal", message: "internal error" } });
    const unknown = await call("/api/processing/cache-sync/status/00000000-0000-4000-8000-000000000002");
    expect(unknown.json()).toEqual({ success: false, error: { code: "unknown", message: "internal error" } });
    expect((await call("/api/processing/cache-sync/stats")).json().error.message).toBe("internal error");
    const connect = await call("/tickstock.coordinator.v1.CoordinatorService/GetStatus", { method: "POST", body: "{}", headers: { "connect-protocol-version": "1" } });
    expect(connect.status).toBe(500);
    expect(connect.json()).toMatchObject({ code: "internal", message: "internal error" });
    expect(logLines.join("")).toMatch(/boom/); // the cause is logged for operators, not sent
  });

  it("answers every malformed request with a 4xx and a plain message", async () => {
    const answers = [
      await call("/api/processing/trigger-manual", { method: "POST", key: KEY_B, body: "{" }),
      await call("/api/processing/cache-sync/trigger", { method: "POST", key: KEY_B, body: "x".repeat(70 * 1024) }),
      await call("/api/processing/schedule", { method: "POST", body: "[".repeat(50_000) }),
      await call("/api/processing/schedule", { method: "POST", body: '{"enabled":"yes"}' }),
      await call("/api/processing/schedule", { method: "POST", body: "<xml/>", type: "application/xml" }),
      await call("/api/processing/history?days=1e999"),
      await call("/api/processing/history?days=%ZZ"),
      await call("/api/processing/cache-sync/status/%E0%A4%A"),
      await call("/api/processing/cache-sync/status/..%2F..%2Fetc%2Fpasswd"),
      await call("/api/../../etc/passwd"),
      await call("/api/processing/status", { method: "PATCH" }),
      await call("/tickstock.coordinator.v1.CoordinatorService/TriggerRun", { method: "POST", key: KEY_B, body: "{", headers: { "connect-protocol-version": "1" } }),
      await call("/tickstock.coordinator.v1.CoordinatorService/Nope", { method: "POST", body: "{}" }),
      await call("/openapi.json", { method: "DELETE" }),
    ];
    for (const a of answers) {
      expect(a.status, a.text).toBeGreaterThanOrEqual(400);
      expect(a.status, a.text).toBeLessThan(500);
      expect(a.text).not.toMatch(LEAK);
    }
    for (const s of seen) expect(s).not.toMatch(LEAK);
  });
});

describe("request header limits", () => {
  it("answers an oversized header with 431 from Node's parser and keeps serving", async () => {
    expect(await rawRequest("/api/processing/status", { "x-api-key": KEY_A, "x-filler": "a".repeat(20 * 1024) })).toBe(431);
    expect(await rawRequest("/api/processing/status", { "x-api-key": "k".repeat(64 * 1024) })).toBe(431);
    const many = Object.fromEntries(Array.from({ length: 3_000 }, (_, i) => [`x-h${i}`, "1"]));
    expect(await rawRequest("/api/processing/status", { "x-api-key": KEY_A, ...many })).toBe(431);
    const longKey = await call("/api/processing/status", { key: "k".repeat(4_000) });
    expect(longKey.status).toBe(401);
    expect((await call("/health", { key: null })).status).toBe(200);
  });

  it("refuses oversized headers over h2c without taking the server down", async () => {
    const session = http2.connect(base);
    session.on("error", () => undefined);
    const outcome = await new Promise<string>((resolve) => {
      const req = session.request({ ":path": "/api/processing/status", "x-api-key": KEY_A, "x-filler": "a".repeat(100 * 1024) });
      req.on("response", (headers) => resolve(String(headers[":status"])));
      req.on("error", (err) => resolve(`error ${(err as NodeJS.ErrnoException).code}`));
      req.on("close", () => resolve("closed"));
      req.end();
    });
    session.destroy();
    expect(outcome).toMatch(/^(error ERR_HTTP2_STREAM_ERROR|431|closed)$/);
    expect((await call("/health", { key: null })).status).toBe(200);
  });
});

describe("API keys never leave the gateway", () => {
  it("appear in no log line and in no response (body or headers)", async () => {
    await call("/api/processing/status", { key: WRONG_KEY });
    await call("/tickstock.coordinator.v1.CoordinatorService/GetStatus", { method: "POST", key: WRONG_KEY, body: "{}" });
    expect(logLines.length).toBeGreaterThan(0);
    const everything = logLines.join("\n") + seen.join("\n");
    for (const key of [KEY_A, KEY_B, WRONG_KEY]) {
      expect(everything).not.toContain(key);
      expect(everything).not.toContain(key.slice(0, 12));
    }
  });
});

describe("GET /openapi.json", () => {
  it("is served without a key", async () => {
    const res = await call("/openapi.json", { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const doc = res.json();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toContain("/api/processing/trigger-manual");
    expect(doc.paths["/api/processing/trigger-manual"].post.responses["429"]).toBeDefined();
  });
});
