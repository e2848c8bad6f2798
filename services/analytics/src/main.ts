import { availableParallelism } from "node:os";
import { SERVICES } from "@tickstock/common/bootstrap.ts";
import { createServiceClient } from "@tickstock/common/clients.ts";
import { loadOrExit } from "@tickstock/common/config.ts";
import { createPool, runMigrations } from "@tickstock/common/db.ts";
import { createEventPublisher, createPgOutbox, createRedis } from "@tickstock/common/events.ts";
import { createLogger } from "@tickstock/common/log.ts";
import { startObservability } from "@tickstock/common/observability.ts";
import { onShutdown } from "@tickstock/common/serve.ts";
import { createActivityTracker } from "@tickstock/common/system-metrics.ts";
import { ImportService } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { loadAnalyticsConfig, patternConfigOf } from "./config.ts";
import { claimOwnership } from "./ownership.ts";
import { PatternCache } from "./pattern-cache.ts";
import { createServer } from "./server.ts";
import { createWorkerPool } from "./worker-pool.ts";

const cfg = loadOrExit(() => loadAnalyticsConfig());
const log = createLogger({ service: "analytics", level: cfg.LOG_LEVEL, file: cfg.LOG_FILE });
const svc = SERVICES.analytics;
await runMigrations({ databaseUrl: cfg.DATABASE_URL, dir: new URL("../migrations/", import.meta.url), schema: svc.schema, lockValue: svc.lockValue, log });
const pool = createPool(cfg.DATABASE_URL, log, { applicationName: "tickstock-analytics" });
const redis = createRedis(cfg.REDIS_URL, log, "tickstock-analytics");
const publisher = createEventPublisher({ redis, source: "analytics", streamMaxLen: cfg.EVENTS_STREAM_MAXLEN, log, outbox: createPgOutbox(pool, svc.schema) });
// Before serving: phase records left running by a process that died are ended first.
const ownership = await claimOwnership(pool, log);
const workers = createWorkerPool(cfg.ANALYTICS_WORKERS ?? availableParallelism(), { importAddress: cfg.IMPORT_ADDR, heapMb: cfg.ANALYTICS_WORKER_HEAP_MB });
const activity = createActivityTracker();

const server = createServer({
  pool,
  publisher,
  log,
  owner: ownership.owner,
  patternCache: new PatternCache(),
  importClient: createServiceClient(ImportService, cfg.IMPORT_ADDR),
  workers,
  patternConfig: patternConfigOf(cfg),
  batchSymbols: cfg.ANALYTICS_BATCH_SYMBOLS,
  batchBars: cfg.ANALYTICS_BATCH_BARS,
  maxRangeDays: cfg.ANALYTICS_MAX_RANGE_DAYS,
  progressIntervalMs: cfg.ANALYTICS_PROGRESS_INTERVAL_MS,
  maxSkipWarnings: cfg.ANALYTICS_MAX_SKIP_WARNINGS,
  activity,
});
const port = await server.listen(cfg.ANALYTICS_HOST, cfg.ANALYTICS_PORT);
log.info({ port, workers: workers.size, import: cfg.IMPORT_ADDR }, "analytics service listening");
const observability = await startObservability({
  service: "analytics",
  host: cfg.ANALYTICS_HOST,
  metricsPort: cfg.ANALYTICS_METRICS_PORT,
  systemMetricsIntervalMs: cfg.SYSTEM_METRICS_INTERVAL_MS,
  publisher,
  log,
  activeRun: activity.current,
});

onShutdown(log, async () => {
  await server.shutdown(cfg.SHUTDOWN_GRACE_MS);
  await observability.stop();
  await workers.close();
  await ownership.close();
  await publisher.close();
  redis.disconnect();
  await pool.end();
});
