import { loadOrExit } from "@tickstock/common/config.ts";
import { createPool, runMigrations } from "@tickstock/common/db.ts";
import { SERVICES } from "@tickstock/common/bootstrap.ts";
import { createEventPublisher, createPgOutbox, createRedis } from "@tickstock/common/events.ts";
import { createLogger } from "@tickstock/common/log.ts";
import { startObservability } from "@tickstock/common/observability.ts";
import { onShutdown } from "@tickstock/common/serve.ts";
import { createActivityTracker } from "@tickstock/common/system-metrics.ts";
import { loadImportConfig } from "./config.ts";
import { createProviders } from "./providers-from-config.ts";
import { createServer } from "./server.ts";
import * as store from "./store.ts";

const cfg = loadOrExit(() => loadImportConfig());
const log = createLogger({ service: "import", level: cfg.LOG_LEVEL, file: cfg.LOG_FILE });
const svc = SERVICES.import;
await runMigrations({ databaseUrl: cfg.DATABASE_URL, dir: new URL("../migrations/", import.meta.url), schema: svc.schema, lockValue: svc.lockValue, log });
const pool = createPool(cfg.DATABASE_URL, log, { applicationName: "tickstock-import" });
const redis = createRedis(cfg.REDIS_URL, log, "tickstock-import");
const publisher = createEventPublisher({ redis, source: "daily_import_job", streamMaxLen: cfg.EVENTS_STREAM_MAXLEN, log, outbox: createPgOutbox(pool, svc.schema) });
const recovered = await store.recoverInterruptedImports(pool);
if (recovered > 0) log.warn({ imports: recovered }, "imports interrupted by a previous stop marked failed");

const calendar = { specialClosures: cfg.MARKET_SPECIAL_CLOSURES };
const activity = createActivityTracker();
const server = createServer({
  pool,
  publisher,
  log,
  providers: createProviders(cfg, publisher, log),
  defaultProvider: cfg.IMPORT_PROVIDER,
  calendar,
  maxRangeDays: cfg.IMPORT_MAX_RANGE_DAYS,
  batchRows: cfg.IMPORT_BATCH_ROWS,
  activity,
});
const port = await server.listen(cfg.IMPORT_HOST, cfg.IMPORT_PORT);
log.info({ port, provider: cfg.IMPORT_PROVIDER }, "import service listening");
const observability = await startObservability({
  service: "import",
  host: cfg.IMPORT_HOST,
  metricsPort: cfg.IMPORT_METRICS_PORT,
  systemMetricsIntervalMs: cfg.SYSTEM_METRICS_INTERVAL_MS,
  publisher,
  log,
  activeRun: activity.current,
});

onShutdown(log, async () => {
  await server.shutdown(cfg.SHUTDOWN_GRACE_MS);
  await observability.stop();
  await publisher.close();
  redis.disconnect();
  await pool.end();
});
