import * as http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { inject } from "vitest";
import pg from "pg";
import { create, toBinary, type DescService } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { createGrpcClient } from "@tickstock/common/grpc-client.ts";
import { createLogger } from "@tickstock/common/log.ts";
import { Health } from "@tickstock/gen/grpc/health/v1/health_pb.js";
import { AnalyticsService } from "@tickstock/gen/tickstock/analytics/v1/analytics_pb.js";
import { CacheSyncService } from "@tickstock/gen/tickstock/cachesync/v1/cache_sync_pb.js";
import { CoordinatorService } from "@tickstock/gen/tickstock/coordinator/v1/coordinator_pb.js";
import { DescribeBarsRequestSchema, ImportService } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { createTestDatabase, type TestDatabase } from "../../test/support/db.ts";
import { startService, type ServiceHarness } from "../../test/support/services.ts";
import { createProvider } from "../../services/import/src/providers/index.ts";
import { createServer as createImportServer } from "../../services/import/src/server.ts";
import { grpcHealthProbe, promiseProbe } from "../src/health.ts";
import { createGateway } from "../src/server.ts";

const KEY = "test-key-0123456789abcdef";
let db: TestDatabase;
let importSvc: ServiceHarness;
let gateway: ReturnType<typeof createGateway>;
let base: string;
let pool: pg.Pool;
let redis: Redis;

beforeAll(async () => {
  db = await createTestDatabase();
  importSvc = await startService(db, "import", (deps) =>
    createImportServer({
      ...deps,
      providers: new Map([["synthetic", createProvider({ provider: "synthetic", seed: 1, symbols: 50 })]]),
      defaultProvider: "synthetic",
      calendar: {},
      maxRangeDays: 100,
    }),
  );
  // Nothing listens on the other services' addresses: they are "down".
  const down = "127.0.0.1:1";
  const addresses: Record<string, string> = { coordinator: down, import: importSvc.address, cache_sync: down, analytics: down };
  const services: Record<string, DescService> = { coordinator: CoordinatorService, import: ImportService, cache_sync: CacheSyncService, analytics: AnalyticsService };
  pool = new pg.Pool({ connectionString: db.urlFor("reader"), max: 2 });
  redis = new Redis(inject("redisUrl"));
  gateway = createGateway({
    log: createLogger({ service: "gateway", level: "silent" }),
    apiKeys: [KEY, "second-key-abcdefghijkl"],
    upstreams: Object.entries(services).map(([n, service]) => ({ service, client: createGrpcClient(service, addresses[n]!) as Client<DescService> })),
    healthProbes: {
      ...Object.fromEntries(Object.entries(addresses).map(([n, a]) => [n, grpcHealthProbe(createGrpcClient(Health, a), 500)])),
      postgres: promiseProbe(() => pool.query("SELECT 1"), 500),
      redis: promiseProbe(() => redis.ping(), 500),
    },
    upstreamTimeoutMs: 2_000,
    maxBodyBytes: 1024 * 1024,
  });
  base = `http://127.0.0.1:${await gateway.listen("127.0.0.1", 0)}`;
});

afterAll(async () => {
  await gateway?.close(500);
  await pool?.end();
  redis?.disconnect();
  await importSvc?.stop();
  await db?.drop();
});

interface ErrorBody {
  success: false;
  error: { code: string; message: string; details?: Record<string, string> };
}
const errorOf = async (res: Response) => (await res.json()) as ErrorBody;

const withKey = (init: RequestInit = {}): RequestInit => ({ ...init, headers: { "x-api-key": KEY, ...(init.headers as Record<string, string>) } });

describe("gateway", () => {
  it("GET /health needs no key and names the parts that are down (503 degraded)", async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body).toEqual({
      status: "degraded",
      services: { coordinator: "unavailable", import: "serving", cache_sync: "unavailable", analytics: "unavailable", postgres: "serving", redis: "serving" },
    });
  });

  it("refuses every /api path without a valid key (401, contract error body), before routing", async () => {
    for (const [path, init] of [
      ["/api/processing/status", {}],
      ["/api/processing/cache-sync/trigger", { method: "POST", body: "{}", headers: { "content-type": "application/json" } }],
      ["/api/does/not/exist", {}],
    ] as const) {
      const res = await fetch(`${base}${path}`, init as RequestInit);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ success: false, error: { code: "unauthenticated", message: "missing or invalid X-API-Key" } });
    }
    const wrong = await fetch(`${base}/api/processing/status`, { headers: { "x-api-key": `${KEY}x` } });
    expect(wrong.status).toBe(401);
    const second = await fetch(`${base}/api/processing/status`, { headers: { "x-api-key": "second-key-abcdefghijkl" } });
    expect(second.status).not.toBe(401);
  });

  it("maps routing and body problems to the contract's statuses", async () => {
    expect((await fetch(`${base}/api/nope`, withKey())).status).toBe(404);
    const wrongMethod = await fetch(`${base}/api/processing/cache-sync/trigger`, withKey());
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST");
    const trigger = (body: string, type = "application/json") =>
      fetch(`${base}/api/processing/cache-sync/trigger`, withKey({ method: "POST", body, headers: { "content-type": type } }));
    const big = await trigger(JSON.stringify({ mode: "x".repeat(1024 * 1024 + 10) }));
    expect(big.status).toBe(413);
    expect((await errorOf(big)).error.code).toBe("payload_too_large");
    const text = await trigger("mode=full", "text/plain");
    expect(text.status).toBe(415);
    expect((await errorOf(text)).error.code).toBe("unsupported_media_type");
    const malformed = await trigger("{");
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({ success: false, error: { code: "invalid_argument", message: "request body is not valid JSON", details: { field: "body" } } });
    const unknown = await trigger(JSON.stringify({ mode: "full", extra: 1 }));
    expect(unknown.status).toBe(400);
    expect((await errorOf(unknown)).error).toMatchObject({ code: "invalid_argument", details: { field: "extra" } });
    const wrongType = await trigger(JSON.stringify({ force: "yes" }));
    expect(wrongType.status).toBe(400);
    expect((await errorOf(wrongType)).error.details).toEqual({ field: "force" });
    const bom = await trigger("\uFEFF{}"); // regression: the decoder used to drop the BOM and queue a job
    expect(bom.status).toBe(400);
    expect((await errorOf(bom)).error).toMatchObject({ code: "invalid_argument", details: { field: "body" } });
    const array = await trigger("[1,2]");
    expect(array.status).toBe(400);
    const badUtf8 = await fetch(`${base}/api/processing/cache-sync/trigger`, withKey({ method: "POST", body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), headers: { "content-type": "application/json" } }));
    expect(badUtf8.status).toBe(400);
    const deep = await trigger("[".repeat(200_000) + "]".repeat(200_000));
    expect(deep.status).toBe(400);
    const badQuery = await fetch(`${base}/api/processing/cache-sync/history?limit=ten`, withKey());
    expect(badQuery.status).toBe(400);
    const unknownQuery = await fetch(`${base}/api/processing/cache-sync/history?colour=red`, withKey());
    expect(unknownQuery.status).toBe(400);
  });

  it("answers 503 unavailable when the upstream service is down, without leaking internals", async () => {
    const res = await fetch(`${base}/api/processing/cache-sync/stats`, withKey());
    expect(res.status).toBe(503);
    const body = await errorOf(res);
    expect(body.success).toBe(false);
    expect(body.error.code).toBe("unavailable");
    expect(body.error.message).toBe("upstream unavailable"); // not grpc-js's text, which names the address and the socket error
    expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/);
  });

  it("serves the Connect protocol for the same RPCs, with the key", async () => {
    const url = `${base}/tickstock.import.v1.ImportService/DescribeBars`;
    const ok = await fetch(url, withKey({ method: "POST", body: "{}", headers: { "content-type": "application/json" } }));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({});
    const denied = await fetch(url, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    expect(denied.status).toBe(401);
    expect(((await denied.json()) as { code: string }).code).toBe("unauthenticated");
  });

  it("answers a Connect binary body that does not decode with invalid_argument (400), and passes a good one on", async () => {
    const url = `${base}/tickstock.import.v1.ImportService/DescribeBars`;
    const post = (body: Uint8Array | string) => fetch(url, withKey({ method: "POST", body, headers: { "content-type": "application/proto" } }));
    for (const bad of ["{}", "\u0000\u0000\u0000\u0000\u0005abcde", "not json"]) {
      const res = await post(bad);
      expect(res.status, bad).toBe(400);
      const body = (await res.json()) as { code: string; message: string };
      expect(body.code).toBe("invalid_argument");
      expect(body.message).toMatch(/^request body is not a tickstock\.import\.v1\.DescribeBarsRequest message/);
    }
    const good = await post(toBinary(DescribeBarsRequestSchema, create(DescribeBarsRequestSchema, { onOrBefore: "2030-01-01" })));
    expect(good.status).toBe(200);
    expect(good.headers.get("content-type")).toBe("application/proto");
    expect((await post(new Uint8Array(0))).status).toBe(200);
  });

  it("speaks h2c (prior knowledge) on the same port", async () => {
    const session = http2.connect(base);
    const body = await new Promise<string>((resolve, reject) => {
      const req = session.request({ ":path": "/health" });
      let data = "";
      req.on("data", (c) => (data += c));
      req.on("end", () => resolve(data));
      req.on("error", reject);
    });
    session.close();
    expect(JSON.parse(body).services.import).toBe("serving");
  });
});

describe("gateway body limit on a chunked upload", () => {
  it("answers 413 to a body over 1 MiB sent without Content-Length", async () => {
    const big = new TextEncoder().encode(JSON.stringify({ mode: "x".repeat(2 * 1024 * 1024) }));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < big.length; i += 64 * 1024) controller.enqueue(big.subarray(i, i + 64 * 1024));
        controller.close();
      },
    });
    const res = await fetch(`${base}/api/processing/cache-sync/trigger`, { ...withKey({ method: "POST", headers: { "content-type": "application/json" } }), body, duplex: "half" } as RequestInit);
    expect(res.status).toBe(413);
    expect((await errorOf(res)).error.code).toBe("payload_too_large");
  });
});
