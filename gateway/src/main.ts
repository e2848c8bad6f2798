import pg from "pg";
import type { DescService } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { createGrpcClient } from "@tickstock/common/grpc-client.ts";
import { loadOrExit } from "@tickstock/common/config.ts";
import { createRedis } from "@tickstock/common/events.ts";
import { createLogger } from "@tickstock/common/log.ts";
import { initMetrics } from "@tickstock/common/metrics.ts";
import { onShutdown } from "@tickstock/common/serve.ts";
import { Health } from "@tickstock/gen/grpc/health/v1/health_pb.js";
import { AnalyticsService } from "@tickstock/gen/tickstock/analytics/v1/analytics_pb.js";
import { CacheSyncService } from "@tickstock/gen/tickstock/cachesync/v1/cache_sync_pb.js";
import { CoordinatorService } from "@tickstock/gen/tickstock/coordinator/v1/coordinator_pb.js";
import { ImportService } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { loadGatewayConfig } from "./config.ts";
import { grpcHealthProbe, promiseProbe } from "./health.ts";
import { createGateway } from "./server.ts";

const cfg = loadOrExit(() => loadGatewayConfig());
const log = createLogger({ service: "gateway", level: cfg.LOG_LEVEL, file: cfg.LOG_FILE });
initMetrics("gateway");
const pool = new pg.Pool({ connectionString: cfg.DATABASE_URL, max: 2, connectionTimeoutMillis: cfg.HEALTH_TIMEOUT_MS });
pool.on("error", () => undefined);
const redis = createRedis(cfg.REDIS_URL, log, "tickstock-gateway");

const addresses = { coordinator: cfg.COORDINATOR_ADDR, import: cfg.IMPORT_ADDR, cache_sync: cfg.CACHE_SYNC_ADDR, analytics: cfg.ANALYTICS_ADDR };
const services: Record<keyof typeof addresses, DescService> = { coordinator: CoordinatorService, import: ImportService, cache_sync: CacheSyncService, analytics: AnalyticsService };
// The gateway's own upstream client (grpc-client.ts): unary calls, one per uncached REST request,
// over node:http2 itself, which costs a fraction of a gRPC library's CPU per call.
const upstreamClients = Object.entries(services).map(([name, service]) => ({ service, client: createGrpcClient(service, addresses[name as keyof typeof addresses]) }));
const upstreams = upstreamClients.map(({ service, client }) => ({ service, client: client as unknown as Client<DescService> }));
const healthClients = Object.entries(addresses).map(([name, addr]) => [name, createGrpcClient(Health, addr)] as const);
const healthProbes = {
  ...Object.fromEntries(healthClients.map(([name, client]) => [name, grpcHealthProbe(client, cfg.HEALTH_TIMEOUT_MS)])),
  postgres: promiseProbe(() => pool.query("SELECT 1"), cfg.HEALTH_TIMEOUT_MS),
  redis: promiseProbe(() => redis.ping(), cfg.HEALTH_TIMEOUT_MS),
};

const gateway = createGateway({
  log,
  apiKeys: cfg.API_KEYS,
  upstreams,
  healthProbes,
  upstreamTimeoutMs: cfg.UPSTREAM_TIMEOUT_MS,
  maxBodyBytes: cfg.MAX_BODY_BYTES,
  triggerRateLimit: { perMinute: cfg.RATE_LIMIT_TRIGGERS_PER_MINUTE, burst: cfg.RATE_LIMIT_TRIGGER_BURST },
  readCacheMs: cfg.READ_CACHE_MS,
});
const port = await gateway.listen(cfg.GATEWAY_HOST, cfg.GATEWAY_PORT);
log.info({ port, keys: cfg.API_KEYS.length }, "gateway listening (HTTP/1.1 and h2c)");

onShutdown(log, async () => {
  await gateway.close();
  for (const client of [...upstreamClients.map((u) => u.client), ...healthClients.map(([, c]) => c)]) client.close();
  redis.disconnect();
  await pool.end();
});
