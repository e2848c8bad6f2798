import { createServiceClient } from "@tickstock/common/clients.ts";
import { loadOrExit } from "@tickstock/common/config.ts";
import { createPool, runMigrations } from "@tickstock/common/db.ts";
import { SERVICES } from "@tickstock/common/bootstrap.ts";
import { createEventPublisher, createPgOutbox, createRedis } from "@tickstock/common/events.ts";
import { createLogger } from "@tickstock/common/log.ts";
import { startObservability } from "@tickstock/common/observability.ts";
import { onShutdown } from "@tickstock/common/serve.ts";
import { ImportService } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { loadCacheSyncServiceConfig } from "./config.ts";
import { createJobRunner } from "./runner.ts";
import { createServer } from "./server.ts";

const cfg = loadOrExit(() => loadCacheSyncServiceConfig());
const log = createLogger({ service: "cache_sync", level: cfg.LOG_LEVEL, file: cfg.LOG_FILE });
const svc = SERVICES.cache_sync;
await runMigrations({ databaseUrl: cfg.DATABASE_URL, dir: new URL("../migrations/", import.meta.url), schema: svc.schema, lockValue: svc.lockValue, log });
const pool = createPool(cfg.DATABASE_URL, log, { applicationName: "tickstock-cache-sync" });
const redis = createRedis(cfg.REDIS_URL, log, "tickstock-cache-sync");
const streamMaxLen = cfg.EVENTS_STREAM_MAXLEN;
const outbox = createPgOutbox(pool, svc.schema);
const publisher = createEventPublisher({ redis, source: "daily_cache_sync_job", streamMaxLen, log, outbox });

const runner = createJobRunner({
  pool,
  log,
  publisher,
  importClient: createServiceClient(ImportService, cfg.IMPORT_ADDR),
  importTimeoutMs: cfg.CACHE_SYNC_IMPORT_TIMEOUT_MS,
  cfg: cfg.sync,
  calendar: { specialClosures: cfg.MARKET_SPECIAL_CLOSURES },
});
const server = createServer({ pool, runner, log });
const port = await server.listen(cfg.CACHE_SYNC_HOST, cfg.CACHE_SYNC_PORT);
runner.start();
log.info({ port, import: cfg.IMPORT_ADDR, themes: Object.keys(cfg.sync.themes).length, timeout_minutes: cfg.sync.timeoutMinutes }, "cache-sync service listening");
const observability = await startObservability({
  service: "cache_sync",
  host: cfg.CACHE_SYNC_HOST,
  metricsPort: cfg.CACHE_SYNC_METRICS_PORT,
  systemMetricsIntervalMs: cfg.SYSTEM_METRICS_INTERVAL_MS,
  publisher,
  log,
  activeRun: runner.activeJob,
});

onShutdown(log, async () => {
  await server.shutdown(cfg.SHUTDOWN_GRACE_MS);
  await runner.stop(cfg.SHUTDOWN_GRACE_MS);
  await observability.stop();
  await publisher.close();
  redis.disconnect();
  await pool.end();
});
