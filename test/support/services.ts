import { inject } from "vitest";
import type { Redis } from "ioredis";
import type pg from "pg";
import { createServiceClient } from "@tickstock/common/clients.ts";
import { createPool } from "@tickstock/common/db.ts";
import { createEventPublisher, createPgOutbox, createRedis, type EventPublisher } from "@tickstock/common/events.ts";
import { createLogger, type Logger } from "@tickstock/common/log.ts";
import type { GrpcServer } from "@tickstock/common/serve.ts";
import { SERVICES, type ServiceName } from "@tickstock/common/bootstrap.ts";
import type { TestDatabase } from "./db.ts";

/** Each service's default event source (the one its main.ts uses). */
const SOURCES: Record<ServiceName, string> = { import: "daily_import_job", cache_sync: "daily_cache_sync_job", analytics: "analytics", coordinator: "daily_scheduler" };

/** A service under test: its own pool (as its own role), Redis, publisher, and gRPC server on port 0. */
export interface ServiceHarness {
  pool: pg.Pool;
  redis: Redis;
  publisher: EventPublisher;
  log: Logger;
  address: string;
  server: GrpcServer;
  stop(): Promise<void>;
}

export async function startService(
  db: TestDatabase,
  name: ServiceName,
  build: (deps: { pool: pg.Pool; publisher: EventPublisher; log: Logger; redis: Redis }) => GrpcServer,
): Promise<ServiceHarness> {
  const log = createLogger({ service: name, level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const pool = createPool(db.urlFor(name), log, { max: 8 });
  const redis = createRedis(inject("redisUrl"), log, `test-${name}`);
  const publisher = createEventPublisher({ redis, source: SOURCES[name], streamMaxLen: 10_000, log, outbox: createPgOutbox(pool, SERVICES[name].schema) });
  const server = build({ pool, publisher, log, redis });
  const port = await server.listen("127.0.0.1", 0);
  return {
    pool,
    redis,
    publisher,
    log,
    server,
    address: `127.0.0.1:${port}`,
    async stop() {
      await server.shutdown(2_000);
      await publisher.flush(2_000);
      redis.disconnect();
      await pool.end();
    },
  };
}

export { createServiceClient };
