import type { Histogram } from "prom-client";
import { httpRequestDuration } from "@tickstock/common/metrics.ts";

/**
 * Latency of gateway requests by method, route and status (tickstock_http_request_duration_seconds).
 * The caller names the route with a bounded value — a template of the route table
 * (`/api/processing/cache-sync/status/{job_id}`), a known RPC path, a fixed path or
 * UNMATCHED_ROUTE — never the raw URL, so ids and probes of random paths cannot grow the series
 * without end. The gateway takes thousands of requests a second: children are bound once per
 * (route, method, status) and a request costs three Map lookups and one observe.
 */

export const UNMATCHED_ROUTE = "unmatched";

/** Methods kept as they are; anything else (h2 allows any token) is OTHER. */
const METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

type Child = Histogram.Internal<"method" | "route" | "status">;

export type RecordRequest = (method: string | undefined, route: string, status: number, seconds: number) => void;

export function createRequestMetrics(): RecordRequest {
  const children = new Map<string, Map<string, Map<number, Child>>>();
  return (method, route, status, seconds) => {
    const m = method !== undefined && METHODS.has(method) ? method : "OTHER";
    let byMethod = children.get(route);
    if (!byMethod) children.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(m);
    if (!byStatus) byMethod.set(m, (byStatus = new Map()));
    let child = byStatus.get(status);
    if (!child) byStatus.set(status, (child = httpRequestDuration.labels(m, route, String(status))));
    child.observe(seconds);
  };
}
