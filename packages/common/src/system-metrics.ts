import type { EventPublisher } from "./events.ts";
import { lastLoggedError, type LoggedError, type Logger } from "./log.ts";

/**
 * The `system_metrics` event on tickstock:monitoring (CONTRACT §3): every interval, each service
 * publishes its own entry — uptime, memory, what it is running now, the last error it logged —
 * through its own publisher (so the event also reaches the stream, and the outbox while Redis is
 * down).
 */

/** What a service is running now: a run (coordinator, import, analytics) and/or a job (cache-sync). */
export interface ActiveRun {
  run_id: string | null;
  job_id: string | null;
  /** More detail where the service has it (analytics: the phase; import: the import id). */
  [detail: string]: string | null;
}

export interface ServiceSample {
  uptimeSeconds: number;
  rssBytes: number;
  heapUsedBytes: number;
  activeRun: ActiveRun | null;
  lastError: LoggedError | null;
}

const MB = 1024 * 1024;
const round1 = (n: number) => Math.round(n * 10) / 10;

/** The event's payload for one service's sample. */
export function systemMetricsPayload(service: string, s: ServiceSample) {
  return {
    services: {
      [service]: {
        uptime_seconds: Math.round(s.uptimeSeconds),
        memory: { rss_mb: round1(s.rssBytes / MB), heap_used_mb: round1(s.heapUsedBytes / MB) },
        active_run: s.activeRun,
        last_error: s.lastError,
      },
    },
  };
}

/**
 * Runs registered while under way, oldest first: for services whose work is a call in flight
 * (an import, an analytics phase) rather than a row they already keep in memory.
 */
export interface ActivityTracker {
  /** Records `run` as running; the returned function ends it. */
  begin(run: ActiveRun): () => void;
  /** The oldest run still under way, or null. */
  current(): ActiveRun | null;
}

export function createActivityTracker(): ActivityTracker {
  const running = new Set<ActiveRun>();
  return {
    begin(run) {
      running.add(run);
      return () => void running.delete(run);
    },
    current: () => running.values().next().value ?? null,
  };
}

export interface SystemMetricsOptions {
  service: string;
  publisher: EventPublisher;
  log: Logger;
  /** 0: never. */
  intervalMs: number;
  activeRun(): ActiveRun | null;
}

/** Publishes system_metrics every interval (the first one interval after the start). */
export function startSystemMetrics(opts: SystemMetricsOptions): { stop(): void } {
  if (opts.intervalMs <= 0) return { stop: () => undefined };
  const publish = () => {
    // A timer callback that throws would crash the process: a sample that fails is logged and skipped.
    try {
      const memory = process.memoryUsage();
      const sample = { uptimeSeconds: process.uptime(), rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, activeRun: opts.activeRun(), lastError: lastLoggedError() };
      opts.publisher.publish("system_metrics", systemMetricsPayload(opts.service, sample));
    } catch (err) {
      opts.log.warn({ err }, "system_metrics not published");
    }
  };
  const timer = setInterval(publish, opts.intervalMs).unref();
  return { stop: () => clearInterval(timer) };
}
