// The gateway's GET /metrics: no key needed, request latency labelled by route template (never
// the raw path with its ids), and everything else answered as before.
import * as http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DescService } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { createGrpcClient } from "@tickstock/common/grpc-client.ts";
import { createLogger } from "@tickstock/common/log.ts";
import { initMetrics } from "@tickstock/common/metrics.ts";
import { AnalyticsService } from "@tickstock/gen/tickstock/analytics/v1/analytics_pb.js";
import { CacheSyncService } from "@tickstock/gen/tickstock/cachesync/v1/cache_sync_pb.js";
import { CoordinatorService } from "@tickstock/gen/tickstock/coordinator/v1/coordinator_pb.js";
import { ImportService } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { parseMetrics, sampleValue, type Sample } from "../../test/support/metrics.ts";
import { promiseProbe } from "../src/health.ts";
import { createGateway } from "../src/server.ts";

const KEY = "test-key-0123456789abcdef";
const JOB_ID = "5d0c1a52-8d8e-4f0e-9a43-0d1c2b3a4f5e";
let gateway: ReturnType<typeof createGateway>;
let base: string;

beforeAll(async () => {
  initMetrics("gateway");
  // Every upstream is down: the calls below answer 503, which is all these tests need.
  const down = "127.0.0.1:1";
  const services: DescService[] = [CoordinatorService, ImportService, CacheSyncService, AnalyticsService];
  gateway = createGateway({
    log: createLogger({ service: "gateway", level: "silent" }),
    apiKeys: [KEY],
    upstreams: services.map((service) => ({ service, client: createGrpcClient(service, down) as Client<DescService> })),
    healthProbes: { postgres: promiseProbe(() => Promise.resolve(), 500) },
    upstreamTimeoutMs: 2_000,
    maxBodyBytes: 1024 * 1024,
  });
  base = `http://127.0.0.1:${await gateway.listen("127.0.0.1", 0)}`;
});

afterAll(async () => {
  await gateway?.close(500);
});

const withKey = { headers: { "x-api-key": KEY } };

async function metrics(): Promise<{ text: string; samples: Sample[] }> {
  const res = await fetch(`${base}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, samples: parseMetrics(text) };
}

const requests = (samples: Sample[], labels: Record<string, string>) => sampleValue(samples, "tickstock_http_request_duration_seconds_count", labels);

describe("gateway GET /metrics", () => {
  it("needs no key and answers Prometheus text with the service label", async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const samples = parseMetrics(await res.text());
    expect(sampleValue(samples, "process_cpu_user_seconds_total", { service: "gateway" })).toBeGreaterThanOrEqual(0);
    const post = await fetch(`${base}/metrics`, { method: "POST" });
    expect([post.status, post.headers.get("allow")]).toEqual([405, "GET"]);
  });

  it("labels REST requests by route template and status, never by the raw path", async () => {
    expect((await fetch(`${base}/api/processing/cache-sync/status/${JOB_ID}`, withKey)).status).toBe(503);
    expect((await fetch(`${base}/api/analytics/indicators/ZZTOPX`, withKey)).status).toBe(503);
    expect((await fetch(`${base}/api/processing/status`)).status).toBe(401);
    expect((await fetch(`${base}/api/no/such/route/8d1f3c`, withKey)).status).toBe(404);
    expect((await fetch(`${base}/health`)).status).toBe(200);

    const { text, samples } = await metrics();
    expect(requests(samples, { method: "GET", route: "/api/processing/cache-sync/status/{job_id}", status: "503" })).toBe(1);
    expect(requests(samples, { method: "GET", route: "/api/analytics/indicators/{symbol}", status: "503" })).toBe(1);
    expect(requests(samples, { method: "GET", route: "/api/processing/status", status: "401" })).toBe(1);
    expect(requests(samples, { method: "GET", route: "unmatched", status: "404" })).toBe(1);
    expect(requests(samples, { method: "GET", route: "/health", status: "200" })).toBe(1);
    for (const raw of [JOB_ID, "ZZTOPX", "8d1f3c", "/api/no/such"]) expect(text).not.toContain(raw);
    expect(samples.filter((s) => s.name === "tickstock_http_request_duration_seconds_count").every((s) => s.labels.service === "gateway")).toBe(true);
  });

  it("labels Connect calls by their RPC path over HTTP/1.1 and h2c, and counts the scrapes themselves", async () => {
    const res = await fetch(`${base}/tickstock.import.v1.ImportService/DescribeBars`, { method: "POST", headers: { ...withKey.headers, "content-type": "application/json" }, body: "{}" });
    expect(res.status).toBe(503);
    const session = http2.connect(base);
    const status = await new Promise<number>((resolve, reject) => {
      const req = session.request({ ":path": "/api/processing/history?days=30", "x-api-key": KEY });
      req.on("response", (headers) => resolve(Number(headers[":status"])));
      req.on("error", reject);
      req.resume();
      req.end();
    });
    session.close();
    expect(status).toBe(503);

    const { samples } = await metrics();
    expect(requests(samples, { method: "POST", route: "/tickstock.import.v1.ImportService/DescribeBars", status: "503" })).toBe(1);
    expect(requests(samples, { method: "GET", route: "/api/processing/history", status: "503" })).toBe(1);
    expect(requests(samples, { method: "GET", route: "/metrics", status: "200" })).toBeGreaterThan(0);
  });
});
