/**
 * Builds a coordinator as main.ts does (pool, publisher, phase clients over real gRPC, run
 * manager, scheduler, server on port 0), with test settings: an injectable clock, short
 * heartbeats and backoffs. Also reads the events back from the Redis stream.
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { Redis } from "ioredis";
import type { Client } from "@connectrpc/connect";
import { createServiceClient } from "@tickstock/common/clients.ts";
import { createPool } from "@tickstock/common/db.ts";
import { createEventPublisher, createRedis, EVENTS_STREAM, type EventPublisher } from "@tickstock/common/events.ts";
import { createLogger } from "@tickstock/common/log.ts";
import type { GrpcServer } from "@tickstock/common/serve.ts";
import { AnalyticsService } from "@tickstock/gen/tickstock/analytics/v1/analytics_pb.js";
import { CacheSyncService } from "@tickstock/gen/tickstock/cachesync/v1/cache_sync_pb.js";
import { CoordinatorService } from "@tickstock/gen/tickstock/coordinator/v1/coordinator_pb.js";
import { ImportService } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import type { TestDatabase } from "../../../test/support/db.ts";
import { createLeaderElection, type LeaderElection } from "../src/leader.ts";
import { createPhaseDrivers } from "../src/phases.ts";
import type { PhasePolicy } from "../src/runner.ts";
import { createRunManager, type RunManager } from "../src/runs.ts";
import { createScheduler, type Scheduler } from "../src/scheduler.ts";
import { createServer } from "../src/server.ts";
import { createUniverseResolver } from "../src/universes.ts";

export const CALENDAR = { specialClosures: ["2025-01-09"] };

export interface TestClock {
  now: Date;
}

export interface HarnessOptions {
  db: TestDatabase;
  redisUrl: string;
  addresses: { import: string; cacheSync: string; analytics: string };
  clock?: TestClock;
  policy?: Partial<PhasePolicy>;
  heartbeatMs?: number;
  staleAfterMs?: number;
  recoveryMaxAgeMs?: number;
  leaderLockId?: number;
  catchUp?: boolean;
  /** Start heartbeats, recovery and the scheduler as main.ts does (default true). */
  background?: boolean;
}

export interface Coordinator {
  client: Client<typeof CoordinatorService>;
  runs: RunManager;
  scheduler: Scheduler;
  leader: LeaderElection;
  pool: pg.Pool;
  publisher: EventPublisher;
  server: GrpcServer;
  ownerId: string;
  /** Stops like SIGTERM does (the active run is released for a restart). */
  stop(): Promise<void>;
}

export async function startCoordinator(opts: HarnessOptions): Promise<Coordinator> {
  const log = createLogger({ service: "coordinator-test", level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const pool = createPool(opts.db.urlFor("coordinator"), log, { max: 5 });
  const redis = createRedis(opts.redisUrl, log, "coordinator-test");
  const publisher = createEventPublisher({ redis, source: "daily_scheduler", streamMaxLen: 10_000, log });
  const clients = {
    import: createServiceClient(ImportService, opts.addresses.import),
    cacheSync: createServiceClient(CacheSyncService, opts.addresses.cacheSync),
    analytics: createServiceClient(AnalyticsService, opts.addresses.analytics),
  };
  const clock = opts.clock ?? { now: new Date() };
  const now = () => clock.now;
  const ownerId = `test:${randomUUID().slice(0, 8)}`;
  const universes = createUniverseResolver(clients, { timeoutMs: 5000 });
  const heartbeatMs = opts.heartbeatMs ?? 100;
  const runs = createRunManager({
    pool,
    publisher,
    log,
    phases: createPhaseDrivers(clients),
    universes,
    ownerId,
    policy: {
      deadlinesMs: { import: 10_000, cache_sync: 10_000, indicators: 10_000, patterns: 10_000 },
      retries: 2,
      backoffMs: 10,
      backoffMaxMs: 50,
      progressIntervalMs: 0,
      ...opts.policy,
    },
    heartbeatMs,
    staleAfterMs: opts.staleAfterMs ?? heartbeatMs * 3,
    recoveryMaxAgeMs: opts.recoveryMaxAgeMs ?? 3_600_000,
    cancelWaitMs: 5000,
  });
  const leader = createLeaderElection({ databaseUrl: opts.db.urlFor("coordinator"), lockId: opts.leaderLockId ?? 71401, log });
  const scheduler = createScheduler({ pool, publisher, log, runs, leader, calendar: CALENDAR, now, catchUp: opts.catchUp ?? false, pollMs: 100_000 });
  const server = createServer({ pool, publisher, log, runs, scheduler, universes, calendar: CALENDAR, now, defaultUniverse: "sp500" });
  if (opts.background ?? true) {
    await runs.recover();
    runs.startBackground();
    await scheduler.start();
  }
  const port = await server.listen("127.0.0.1", 0);
  const client = createServiceClient(CoordinatorService, `127.0.0.1:${port}`, { defaultTimeoutMs: 15_000 });
  return {
    client,
    runs,
    scheduler,
    leader,
    pool,
    publisher,
    server,
    ownerId,
    async stop() {
      await scheduler.stop();
      await server.shutdown(500);
      await runs.stop();
      await publisher.close();
      redis.disconnect();
      await pool.end();
    },
  };
}

export interface StreamEvent {
  channel: string;
  event: string;
  source: string;
  payload: Record<string, unknown>;
}

/** Every event of the stream (in the order Redis received them), optionally of one run. */
export async function readEvents(redis: Redis, runId?: string): Promise<StreamEvent[]> {
  const entries = await redis.xrange(EVENTS_STREAM, "-", "+");
  const events = entries.map(([, fields]) => {
    const data = JSON.parse(fields[fields.indexOf("data") + 1]!) as { event: string; source: string; payload: Record<string, unknown> };
    return { channel: fields[fields.indexOf("channel") + 1]!, event: data.event, source: data.source, payload: data.payload };
  });
  return runId === undefined ? events : events.filter((e) => e.payload.run_id === runId || (e.payload.context as { run_id?: string } | undefined)?.run_id === runId);
}

/** Polls `check` until it returns a value other than undefined/false. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A Redis URL on its own logical database, so a file's stream is its own. */
export function redisDb(url: string, db: number): string {
  return `${url.replace(/\/\d*$/, "")}/${db}`;
}

export function redisClient(url: string): Redis {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  redis.on("error", () => undefined);
  return redis;
}
