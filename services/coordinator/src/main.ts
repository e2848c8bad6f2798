import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { SERVICES } from "@tickstock/common/bootstrap.ts";
import { createServiceClient } from "@tickstock/common/clients.ts";
import { loadOrExit } from "@tickstock/common/config.ts";
import { createPool, runMigrations } from "@tickstock/common/db.ts";
import { createEventPublisher, createPgOutbox, createRedis } from "@tickstock/common/events.ts";
import { createLogger } from "@tickstock/common/log.ts";
import { startObservability } from "@tickstock/common/observability.ts";
import { onShutdown } from "@tickstock/common/serve.ts";
import { AnalyticsService } from "@tickstock/gen/tickstock/analytics/v1/analytics_pb.js";
import { CacheSyncService } from "@tickstock/gen/tickstock/cachesync/v1/cache_sync_pb.js";
import { ImportService } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { initialSchedule, loadCoordinatorConfig, runSettings } from "./config.ts";
import { createLeaderElection } from "./leader.ts";
import { createPhaseDrivers } from "./phases.ts";
import { createRunManager } from "./runs.ts";
import { createScheduler } from "./scheduler.ts";
import { createServer } from "./server.ts";
import * as store from "./store/index.ts";
import { createUniverseResolver } from "./universes.ts";

const cfg = loadOrExit(() => loadCoordinatorConfig());
const log = createLogger({ service: "coordinator", level: cfg.LOG_LEVEL, file: cfg.LOG_FILE });
const svc = SERVICES.coordinator;
await runMigrations({ databaseUrl: cfg.DATABASE_URL, dir: new URL("../migrations/", import.meta.url), schema: svc.schema, lockValue: svc.lockValue, log });
const pool = createPool(cfg.DATABASE_URL, log, { applicationName: "tickstock-coordinator" });
const redis = createRedis(cfg.REDIS_URL, log, "tickstock-coordinator");
const publisher = createEventPublisher({ redis, source: "daily_scheduler", streamMaxLen: cfg.EVENTS_STREAM_MAXLEN, log, outbox: createPgOutbox(pool, SERVICES.coordinator.schema) });

const clients = {
  import: createServiceClient(ImportService, cfg.IMPORT_ADDR),
  cacheSync: createServiceClient(CacheSyncService, cfg.CACHE_SYNC_ADDR),
  analytics: createServiceClient(AnalyticsService, cfg.ANALYTICS_ADDR),
};
const calendar = { specialClosures: cfg.MARKET_SPECIAL_CLOSURES };
const now = () => new Date();
const ownerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
const universes = createUniverseResolver(clients, { timeoutMs: 60_000 });
const runs = createRunManager({ pool, publisher, log, phases: createPhaseDrivers(clients), universes, ownerId, ...runSettings(cfg) });

if (await store.seedSchedule(pool, initialSchedule(cfg))) log.info("schedule set from the configuration");
await runs.recover();
runs.startBackground();
const leader = createLeaderElection({ databaseUrl: cfg.DATABASE_URL, lockId: cfg.COORDINATOR_LEADER_LOCK_ID, log });
const scheduler = createScheduler({ pool, publisher, log, runs, leader, calendar, now, catchUp: cfg.COORDINATOR_CATCH_UP, pollMs: cfg.COORDINATOR_LEADER_RETRY_MS });
await scheduler.start();

const server = createServer({ pool, publisher, log, runs, scheduler, universes, calendar, now, defaultUniverse: cfg.COORDINATOR_DEFAULT_UNIVERSE });
const port = await server.listen(cfg.COORDINATOR_HOST, cfg.COORDINATOR_PORT);
log.info({ port, owner_id: ownerId, leader: leader.isLeader() }, "coordinator listening");
const observability = await startObservability({
  service: "coordinator",
  host: cfg.COORDINATOR_HOST,
  metricsPort: cfg.COORDINATOR_METRICS_PORT,
  systemMetricsIntervalMs: cfg.SYSTEM_METRICS_INTERVAL_MS,
  publisher,
  log,
  activeRun: runs.activeRun,
});

onShutdown(log, async () => {
  await scheduler.stop();
  await server.shutdown(cfg.SHUTDOWN_GRACE_MS);
  // The active run is released, not cancelled: the next coordinator resumes it.
  await runs.stop();
  await observability.stop();
  await publisher.close();
  redis.disconnect();
  await pool.end();
});
