import * as grpc from "@grpc/grpc-js";
import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";
import type { CallObserver } from "./serve.ts";

/**
 * Prometheus metrics: one registry per process (what GET /metrics serves), the default Node
 * metrics, and the product's own. Every process defines them all (an unused one is only its HELP
 * and TYPE lines), so the list lives in one place; README "Observability" documents it.
 *
 * prom-client validates and builds a label object on every `labels()` call: hot paths (a gRPC
 * call, a gateway request) bind a child once per label combination and keep it.
 */

export const registry = new Registry();

let initialized = false;

/**
 * Default Node metrics (CPU, memory, event-loop lag, GC) and a `service` label on every series.
 * Called once by each process's main.ts: the collectors start observers, so never on import.
 */
export function initMetrics(service: string): void {
  if (initialized) return;
  initialized = true;
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
}

/** Requests: from a cached read (sub-millisecond) to a call waiting out a deadline. */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** gRPC calls include the streaming phase calls, which last minutes. */
const CALL_BUCKETS = [...REQUEST_BUCKETS, 60, 300, 900, 1800, 3600];
/** Runs and phases: seconds (a small universe) to hours (a full backfill). */
const RUN_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14_400];

export const grpcServerHandling = new Histogram({
  name: "tickstock_grpc_server_handling_seconds",
  help: "gRPC calls served, from arrival to the last message, by full method path and status code",
  labelNames: ["method", "code"] as const,
  buckets: CALL_BUCKETS,
  registers: [registry],
});

export const httpRequestDuration = new Histogram({
  name: "tickstock_http_request_duration_seconds",
  help: "Gateway HTTP requests, until the response is sent, by method, route template and status",
  labelNames: ["method", "route", "status"] as const,
  buckets: REQUEST_BUCKETS,
  registers: [registry],
});

export const eventsPublished = new Counter({
  name: "tickstock_events_published_total",
  help: "Events published (queued for Redis pub/sub and the stream), by event name",
  labelNames: ["event"] as const,
  registers: [registry],
});

export const eventsSpilled = new Counter({
  name: "tickstock_events_spilled_total",
  help: "Events written to the outbox table because Redis could not take them",
  registers: [registry],
});

export const rowsWritten = new Counter({
  name: "tickstock_rows_written_total",
  help: "Rows committed to a table (the writing service is the `service` label)",
  labelNames: ["table"] as const,
  registers: [registry],
});

export const providerRequests = new Counter({
  name: "tickstock_provider_requests_total",
  help: "HTTP requests to a market-data provider, each retry counted, by endpoint and status (or timeout / network)",
  labelNames: ["provider", "endpoint", "status"] as const,
  registers: [registry],
});

export const providerRateLimited = new Counter({
  name: "tickstock_provider_rate_limited_total",
  help: "HTTP 429 answers of a market-data provider, by endpoint",
  labelNames: ["provider", "endpoint"] as const,
  registers: [registry],
});

export const runDuration = new Histogram({
  name: "tickstock_run_duration_seconds",
  help: "Processing runs ended by this coordinator, from start to end, by final status",
  labelNames: ["status"] as const,
  buckets: RUN_BUCKETS,
  registers: [registry],
});

export const phaseDuration = new Histogram({
  name: "tickstock_phase_duration_seconds",
  help: "Phases of a run driven by this coordinator (retries included), by phase and how it ended",
  labelNames: ["phase", "status"] as const,
  buckets: RUN_BUCKETS,
  registers: [registry],
});

/** The canonical gRPC code names (OK, INVALID_ARGUMENT, …), indexed by code. */
const GRPC_CODE_NAMES: readonly string[] = Array.from({ length: 17 }, (_, code) => grpc.status[code] ?? String(code));

/** Records every call of a gRPC server in grpcServerHandling (createGrpcServer's default observer). */
export function grpcCallMetrics(): CallObserver {
  const children = new Map<string, Histogram.Internal<"method" | "code">[]>();
  return ({ path, code, durationMs }) => {
    let byCode = children.get(path);
    if (!byCode) children.set(path, (byCode = []));
    const child = (byCode[code] ??= grpcServerHandling.labels(path, GRPC_CODE_NAMES[code] ?? String(code)));
    child.observe(durationMs / 1000);
  };
}

/** `eventsPublished` bound per event name (an event-heavy phase publishes one per symbol). */
const publishedByEvent = new Map<string, Counter.Internal>();

export function countEventPublished(event: string): void {
  let child = publishedByEvent.get(event);
  if (!child) publishedByEvent.set(event, (child = eventsPublished.labels(event)));
  child.inc();
}
