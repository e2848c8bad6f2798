import pg from "pg";
import type { DescService } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { createServiceClient } from "@tickstock/common/clients.ts";
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
const upstreams = Object.entries(services).map(([name, service]) => ({
  service,
  client: createServiceClient(service, addresses[name as keyof typeof addresses]) as Client<DescService>,
}));
const healthProbes = {
  ...Object.fromEntries(Object.entries(addresses).map(([name, addr]) => [name, grpcHealthProbe(createServiceClient(Health, addr), cfg.HEALTH_TIMEOUT_MS)])),
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
  redis.disconnect();
  await pool.end();
});
