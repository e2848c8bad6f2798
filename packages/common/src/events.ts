import { Redis } from "ioredis";
import type pg from "pg";
import { z } from "zod";
import type { Logger } from "./log.ts";
import { countEventPublished, eventsSpilled } from "./metrics.ts";

/**
 * Redis events of CONTRACT §3: one table of event → channel, one envelope,
 * payloads validated before they leave. Every envelope is published on its
 * channel and appended, byte for byte, to the capped stream `tickstock:events`
 * so that a client that was away can replay what it missed.
 */

export const EVENTS_STREAM = "tickstock:events";

export const CHANNELS = {
  processingStatus: "tickstock:processing:status",
  processingSchedule: "tickstock:processing:schedule",
  importStarted: "tickstock:import:started",
  importProgress: "tickstock:import:progress",
  importCompleted: "tickstock:import:completed",
  cacheStarted: "tickstock:cache:started",
  cacheProgress: "tickstock:cache:progress",
  cacheCompleted: "tickstock:cache:completed",
  indicatorsStarted: "tickstock:indicators:started",
  indicatorsProgress: "tickstock:indicators:progress",
  indicatorsCompleted: "tickstock:indicators:completed",
  indicatorsCalculated: "tickstock:indicators:calculated",
  patternsStarted: "tickstock:patterns:started",
  patternsProgress: "tickstock:patterns:progress",
  patternsCompleted: "tickstock:patterns:completed",
  patternsDetected: "tickstock:patterns:detected",
  cacheSyncTriggered: "tickstock:cache:sync_triggered",
  cacheSyncComplete: "tickstock:cache:sync_complete",
  universeUpdated: "tickstock:universe:updated",
  ipoAssignment: "tickstock:cache:ipo_assignment",
  delistingCleanup: "tickstock:cache:delisting_cleanup",
  errors: "tickstock:errors",
  monitoring: "tickstock:monitoring",
} as const;

const num = z.number().finite();
const int = z.number().int().nonnegative();
const percent = z.number().min(0).max(100);
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const uuid = z.string().min(1);
const runPayload = { run_id: uuid };

const processingEnd = z.looseObject({
  ...runPayload,
  run_date: date,
  status: z.enum(["completed", "failed", "cancelled"]),
  duration_seconds: num,
  symbols_processed: int,
  indicators_calculated: int,
  patterns_detected: int,
  error: z.string().optional(),
});

/** One service's entry of system_metrics (system-metrics.ts builds it). */
const serviceMetrics = z.looseObject({
  uptime_seconds: num.nonnegative(),
  memory: z.looseObject({ rss_mb: num.nonnegative(), heap_used_mb: num.nonnegative() }),
  /** What the service is running now, named by run_id and/or job_id; null when idle. */
  active_run: z.looseObject({ run_id: z.string().nullable(), job_id: z.string().nullable() }).nullable(),
  last_error: z.looseObject({ message: z.string(), at: z.string() }).nullable(),
});

/** Event name → [channel, payload schema] (payload keys "at least", CONTRACT §3). */
export const EVENT_TABLE = {
  processing_started: [CHANNELS.processingStatus, z.looseObject({ ...runPayload, run_date: date, status: z.literal("running"), phases: z.array(z.string()), universe: z.string(), trigger_type: z.enum(["automatic", "manual"]) })],
  processing_completed: [CHANNELS.processingStatus, processingEnd],
  processing_failed: [CHANNELS.processingStatus, processingEnd.extend({ error: z.string() })],
  processing_cancelled: [CHANNELS.processingStatus, processingEnd],
  schedule_updated: [CHANNELS.processingSchedule, z.looseObject({ enabled: z.boolean(), trigger_time: z.string(), timezone: z.string(), next_run: z.string().nullable(), universes: z.array(z.string()) })],
  import_started: [CHANNELS.importStarted, z.looseObject({ ...runPayload, run_date: date, total_symbols: int })],
  import_progress: [CHANNELS.importProgress, z.looseObject({ ...runPayload, completed_symbols: int, total_symbols: int, percent_complete: percent, current_symbol: z.string(), eta_seconds: num })],
  import_completed: [CHANNELS.importCompleted, z.looseObject({ ...runPayload, successful_symbols: int, failed_symbols: int, bars_written: int, duration_seconds: num })],
  cache_sync_started: [CHANNELS.cacheStarted, z.looseObject({ ...runPayload, job_id: uuid, mode: z.string() })],
  cache_sync_progress: [CHANNELS.cacheProgress, z.looseObject({ ...runPayload, job_id: uuid, current_task: z.string(), completed: int, total: int, percent_complete: percent })],
  cache_sync_phase_completed: [CHANNELS.cacheCompleted, z.looseObject({ ...runPayload, job_id: uuid, status: z.string(), total_changes: int, universes_updated: z.array(z.string()), duration_seconds: num })],
  indicator_processing_started: [CHANNELS.indicatorsStarted, z.looseObject({ ...runPayload, total_symbols: int })],
  indicator_progress: [CHANNELS.indicatorsProgress, z.looseObject({ ...runPayload, completed_symbols: int, total_symbols: int, percent_complete: percent, eta_seconds: num })],
  indicator_processing_completed: [CHANNELS.indicatorsCompleted, z.looseObject({ ...runPayload, total_symbols: int, indicators_calculated: int, duration_seconds: num })],
  indicator_calculated: [CHANNELS.indicatorsCalculated, z.looseObject({ ...runPayload, symbol: z.string(), date, indicators: z.record(z.string(), num) })],
  pattern_processing_started: [CHANNELS.patternsStarted, z.looseObject({ ...runPayload, total_symbols: int })],
  pattern_progress: [CHANNELS.patternsProgress, z.looseObject({ ...runPayload, completed_symbols: int, total_symbols: int, percent_complete: percent, eta_seconds: num })],
  pattern_processing_completed: [CHANNELS.patternsCompleted, z.looseObject({ ...runPayload, total_symbols: int, patterns_detected: int, success_rate: percent, duration_seconds: num })],
  pattern_detected: [CHANNELS.patternsDetected, z.looseObject({ ...runPayload, symbol: z.string(), date, pattern: z.string(), direction: z.enum(["bullish", "bearish", "neutral"]), confidence: z.number().min(0).max(1) })],
  cache_sync_triggered: [CHANNELS.cacheSyncTriggered, z.looseObject({ job_id: uuid, mode: z.string(), force: z.boolean(), triggered_by: z.enum(["api", "scheduler", "pipeline"]) })],
  cache_sync_completed: [CHANNELS.cacheSyncComplete, z.looseObject({ job_id: uuid, status: z.string(), mode: z.string(), total_changes: int, universes_updated: z.array(z.string()), duration_seconds: num })],
  universe_updated: [CHANNELS.universeUpdated, z.looseObject({ job_id: uuid, run_id: uuid.optional(), universe: z.string(), type: z.string(), symbol_count: int, added: z.array(z.string()), removed: z.array(z.string()) })],
  ipo_assignment: [CHANNELS.ipoAssignment, z.looseObject({ job_id: uuid, symbol: z.string(), universes: z.array(z.string()), list_date: date })],
  delisting_cleanup: [CHANNELS.delistingCleanup, z.looseObject({ job_id: uuid, symbols_removed: z.array(z.string()), universes_affected: z.array(z.string()) })],
  error: [CHANNELS.errors, z.looseObject({ severity: z.enum(["warning", "error", "critical"]), component: z.string(), error_code: z.string(), message: z.string(), context: z.record(z.string(), z.unknown()) })],
  system_metrics: [CHANNELS.monitoring, z.looseObject({ services: z.record(z.string(), serviceMetrics) })],
} as const satisfies Record<string, readonly [string, z.ZodType]>;

export type EventName = keyof typeof EVENT_TABLE;
export type EventPayload<E extends EventName> = z.input<(typeof EVENT_TABLE)[E][1]>;

export interface Envelope {
  event: EventName;
  timestamp: string;
  source: string;
  version: "1.0";
  payload: Record<string, unknown>;
}

/** Builds the contract envelope after validating the payload (throws on a bad payload: a bug). */
export function buildEnvelope<E extends EventName>(event: E, source: string, payload: EventPayload<E>, now: Date = new Date()): Envelope {
  const [, schema] = EVENT_TABLE[event];
  const parsed = (schema as z.ZodType).safeParse(payload);
  if (!parsed.success) {
    throw new Error(`invalid ${event} payload: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  return { event, timestamp: now.toISOString().replace(/\.\d{3}Z$/, "Z"), source, version: "1.0", payload: parsed.data as Record<string, unknown> };
}

export function channelOf(event: EventName): string {
  return EVENT_TABLE[event][0];
}

export interface EventPublisher {
  /** Validates and queues the event; delivery happens in order in the background. `source` overrides the publisher's. */
  publish<E extends EventName>(event: E, payload: EventPayload<E>, source?: string): void;
  /**
   * Resolves true when every event published so far reached Redis (outbox included), false when
   * `timeoutMs` passed first (they stay queued or in the outbox, and go out later). With
   * `durable`, events safe in the outbox count as done (shutdown).
   */
  flush(timeoutMs?: number, opts?: { durable?: boolean }): Promise<boolean>;
  /** Events queued but not yet delivered. */
  pending(): number;
  close(): Promise<void>;
}

export interface OutboxRow {
  id: string;
  channel: string;
  data: string;
}

/**
 * Durable spill space for events Redis could not take: a table in the
 * service's own schema. Rows are delivered in id order and deleted in the
 * transaction that delivered them (at-least-once if the process dies between
 * Redis's answer and the commit).
 */
export interface Outbox {
  append(rows: readonly { channel: string; data: string }[]): Promise<void>;
  /** Delivers up to `limit` rows with `deliver`, deleting them when it succeeds. Returns how many. */
  drain(limit: number, deliver: (rows: OutboxRow[]) => Promise<void>): Promise<number>;
  count(): Promise<number>;
}

export function createPgOutbox(pool: pg.Pool, schema: string): Outbox {
  const table = `"${schema.replace(/"/g, '""')}".event_outbox`;
  return {
    async append(rows) {
      if (rows.length === 0) return;
      await pool.query(`INSERT INTO ${table} (channel, data) SELECT * FROM unnest($1::text[], $2::text[])`, [
        rows.map((r) => r.channel),
        rows.map((r) => r.data),
      ]);
    },
    async drain(limit, deliver) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const { rows } = await client.query<OutboxRow>(`SELECT id::text, channel, data FROM ${table} ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`, [limit]);
        if (rows.length > 0) {
          await deliver(rows);
          await client.query(`DELETE FROM ${table} WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
        }
        await client.query("COMMIT");
        return rows.length;
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async count() {
      const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
      return rows[0]!.n;
    },
  };
}

export interface PublisherOptions {
  redis: Redis;
  source: string;
  streamMaxLen: number;
  log: Logger;
  /** Where events go while Redis is unreachable (without one they wait in memory). */
  outbox?: Outbox;
  /** Max events held in memory when neither Redis nor the outbox takes them; the oldest are dropped past it (and logged). */
  maxQueued?: number;
}

type Pending = { channel: string; data: string };

/**
 * Publishes in order without blocking the caller: a phase keeps running while
 * Redis restarts. Each event is one MULTI (PUBLISH + XADD MAXLEN ~) so the
 * channel and the stream carry the same bytes. When Redis cannot take them,
 * queued events are spilled to the service's outbox table (they survive a
 * crash of this process) and delivered, oldest first, once Redis is back —
 * also by the next process, which starts by draining what a previous one left.
 * Across services, order holds because a phase service flushes (waits for
 * delivery, bounded) before handing its result to the coordinator: a short
 * outage delays the run by its length; past the bound, each service's events
 * still arrive, in order, but the services' may interleave.
 */
export function createEventPublisher(opts: PublisherOptions): EventPublisher {
  const queue: Pending[] = [];
  const maxQueued = opts.maxQueued ?? 100_000;
  let draining: Promise<void> | null = null;
  let closed = false;
  // Start by draining whatever a previous process left in the outbox.
  let spilled = opts.outbox !== undefined;
  // Waiters of flush(): `delivered` ones wake when everything reached Redis, `durable` ones also
  // when what could not is in the outbox.
  const idle: { durable: boolean; resolve: () => void }[] = [];
  const wakeIdle = (delivered: boolean) => {
    for (let i = idle.length - 1; i >= 0; i--) if (delivered || idle[i]!.durable) idle.splice(i, 1)[0]!.resolve();
  };
  // A retry waiting out its backoff goes at once when Redis is back: a caller waiting in flush()
  // (a phase about to hand over to the next one) is not held up by a stale backoff.
  let retryNow: (() => void) | null = null;
  opts.redis.on("ready", () => retryNow?.());

  const send = async (batch: readonly Pending[]) => {
    const multi = opts.redis.multi();
    for (const { channel, data } of batch) {
      multi.publish(channel, data);
      multi.xadd(EVENTS_STREAM, "MAXLEN", "~", opts.streamMaxLen, "*", "channel", channel, "data", data);
    }
    const results = await multi.exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw failed?.[0] ?? new Error("redis transaction aborted");
  };

  async function spill(): Promise<void> {
    if (!opts.outbox || queue.length === 0) return;
    const rows = queue.slice();
    await opts.outbox.append(rows);
    queue.splice(0, rows.length);
    eventsSpilled.inc(rows.length);
    spilled = true;
  }

  async function step(): Promise<void> {
    if (spilled && opts.outbox) {
      // Older events first: the outbox, then what is queued in memory.
      const n = await opts.outbox.drain(256, send);
      if (n > 0) return;
      spilled = false;
      opts.log.info("event outbox drained");
      return;
    }
    const batch = queue.slice(0, 256);
    await send(batch);
    queue.splice(0, batch.length);
  }

  async function drain(): Promise<void> {
    let backoff = 100;
    while ((queue.length > 0 || spilled) && !closed) {
      try {
        await step();
        backoff = 100;
      } catch (err) {
        if (backoff === 100) opts.log.warn({ err: (err as Error).message, queued: queue.length }, "event delivery failed; spilling to the outbox and retrying");
        await spill().catch((e) => opts.log.warn({ err: (e as Error).message }, "event outbox unavailable; events kept in memory"));
        if (queue.length > maxQueued) {
          queue.splice(0, queue.length - maxQueued);
          opts.log.error({ maxQueued }, "event queue full while Redis and the outbox are unreachable: oldest events dropped");
        }
        if (queue.length === 0) wakeIdle(false);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, backoff);
          retryNow = () => (clearTimeout(timer), resolve());
        });
        retryNow = null;
        backoff = Math.min(backoff * 2, 5_000);
      }
    }
    draining = null;
    if (queue.length === 0) wakeIdle(!spilled);
  }

  if (spilled) draining = drain();

  return {
    publish(event, payload, source) {
      const envelope = buildEnvelope(event, source ?? opts.source, payload);
      queue.push({ channel: channelOf(event), data: JSON.stringify(envelope) });
      countEventPublished(event);
      draining ??= drain();
    },
    async flush(timeoutMs = 10_000, { durable = false } = {}) {
      if (queue.length === 0 && !draining) return true;
      draining ??= drain();
      return Promise.race([
        new Promise<boolean>((resolve) => idle.push({ durable, resolve: () => resolve(true) })),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref()),
      ]);
    },
    pending: () => queue.length,
    async close() {
      await this.flush(2_000, { durable: true });
      if (queue.length > 0) await spill().catch(() => undefined);
      closed = true;
    },
  };
}

/** A Redis client that never crashes the process and reconnects forever. */
export function createRedis(url: string, log: Logger, name: string): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    lazyConnect: false,
  });
  let warned = false;
  redis.on("error", (err) => {
    if (!warned) log.warn({ err: err.message }, "redis error");
    warned = true;
  });
  redis.on("ready", () => {
    if (warned) log.info("redis reconnected");
    warned = false;
  });
  return redis;
}
