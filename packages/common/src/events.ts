import { Redis } from "ioredis";
import { z } from "zod";
import type { Logger } from "./log.ts";

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
  system_metrics: [CHANNELS.monitoring, z.looseObject({ services: z.record(z.string(), z.unknown()) })],
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
  /** Resolves when every queued event was delivered (or `timeoutMs` passed). */
  flush(timeoutMs?: number): Promise<boolean>;
  /** Events queued but not yet delivered. */
  pending(): number;
  close(): Promise<void>;
}

export interface PublisherOptions {
  redis: Redis;
  source: string;
  streamMaxLen: number;
  log: Logger;
  /** Max events held while Redis is unreachable; the oldest are dropped past it (and logged). */
  maxQueued?: number;
}

/**
 * Publishes in order without blocking the caller: a phase keeps running while
 * Redis restarts, and its events go out, in order, once Redis is back. Each
 * event is one MULTI (PUBLISH + XADD MAXLEN ~) so the channel and the stream
 * carry the same bytes.
 */
export function createEventPublisher(opts: PublisherOptions): EventPublisher {
  const queue: { channel: string; data: string }[] = [];
  const maxQueued = opts.maxQueued ?? 100_000;
  let draining: Promise<void> | null = null;
  let closed = false;
  const idle: (() => void)[] = [];

  async function drain(): Promise<void> {
    let backoff = 100;
    while (queue.length > 0 && !closed) {
      const batch = queue.slice(0, 256);
      const multi = opts.redis.multi();
      for (const { channel, data } of batch) {
        multi.publish(channel, data);
        multi.xadd(EVENTS_STREAM, "MAXLEN", "~", opts.streamMaxLen, "*", "channel", channel, "data", data);
      }
      try {
        await multi.exec();
        queue.splice(0, batch.length);
        backoff = 100;
      } catch (err) {
        opts.log.warn({ err: (err as Error).message, queued: queue.length }, "event delivery failed, retrying");
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 5_000);
      }
    }
    draining = null;
    if (queue.length === 0) for (const resolve of idle.splice(0)) resolve();
  }

  return {
    publish(event, payload, source) {
      const envelope = buildEnvelope(event, source ?? opts.source, payload);
      queue.push({ channel: channelOf(event), data: JSON.stringify(envelope) });
      if (queue.length > maxQueued) {
        queue.shift();
        opts.log.error({ maxQueued }, "event queue full while Redis is unreachable: oldest event dropped");
      }
      draining ??= drain();
    },
    async flush(timeoutMs = 10_000) {
      if (queue.length === 0) return true;
      draining ??= drain();
      return Promise.race([
        new Promise<boolean>((resolve) => idle.push(() => resolve(true))),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref()),
      ]);
    },
    pending: () => queue.length,
    async close() {
      await this.flush(2_000);
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
