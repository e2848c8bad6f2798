// HTTP for the Massive provider: one GET with a per-attempt timeout, the key in an
// `Authorization: Bearer` header (never in a URL, so URLs are safe to log), and retries.
//
// - 429: wait `Retry-After` (seconds or HTTP date) when sent, else `rateLimitWaitMs` (60 s: the
//   free plan's window is a minute, and Massive documents no Retry-After); events.onRateLimit
//   is called for every 429, so each one can be published.
// - 5xx, network errors, timeouts: exponential backoff with full jitter,
//   random(0, min(retryMaxMs, retryBaseMs·2^(attempt−1))), or Retry-After when sent.
// - 401/403: ProviderError "auth" at once, with Massive's own words (`error ?? message`).
// - 404: ProviderError "not_found"; any other 4xx: "bad_response". Neither is retried.
// After maxRetries retries: "rate_limited" (last answer 429) or "unavailable".
// Every attempt is counted in tickstock_provider_requests_total (and each 429 in
// tickstock_provider_rate_limited_total) by endpoint: the free plan's 5 requests a minute make
// the request rate the thing to watch.
import { providerRateLimited, providerRequests } from "@tickstock/common/metrics.ts";
import { ProviderError, type ProviderEvents } from "./types.ts";

export interface MassiveHttpConfig {
  apiKey: string;
  baseUrl: string;
  maxRetries: number;
  timeoutMs: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  rateLimitWaitMs?: number;
  /** Jitter source, [0, 1); Math.random by default. */
  random?: () => number;
}

export interface MassiveHttp {
  /** GETs base + pathAndQuery and returns the parsed JSON body of a 2xx answer. */
  getJson(pathAndQuery: string, signal?: AbortSignal): Promise<unknown>;
  /** A next_url re-based on our base URL: its path and query only, any apiKey parameter removed. */
  rebase(nextUrl: string): string;
}

/** Longest honoured Retry-After: a server asking for more is retried after this anyway. */
const MAX_RETRY_AFTER_MS = 10 * 60_000;

interface Failure {
  status: number | string;
  delayMs: number;
  message: string;
}

export function createMassiveHttp(cfg: MassiveHttpConfig, events: ProviderEvents = {}): MassiveHttp {
  const base = cfg.baseUrl.replace(/\/+$/, "");
  const retryBaseMs = cfg.retryBaseMs ?? 1000;
  const retryMaxMs = cfg.retryMaxMs ?? 60_000;
  const rateLimitWaitMs = cfg.rateLimitWaitMs ?? 60_000;
  const random = cfg.random ?? Math.random;
  const redact = (text: string) => (cfg.apiKey ? text.replaceAll(cfg.apiKey, "***") : text);
  const backoff = (attempt: number) => Math.floor(random() * Math.min(retryMaxMs, retryBaseMs * 2 ** (attempt - 1)));

  async function attemptOnce(url: string, endpoint: string, attempt: number, signal?: AbortSignal): Promise<{ body: unknown } | Failure> {
    const timeout = AbortSignal.timeout(cfg.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      const res = await fetch(url, {
        headers: { Authorization: `Bearer ${cfg.apiKey}`, Accept: "application/json" },
        signal: combined,
      });
      providerRequests.labels("massive", endpoint, String(res.status)).inc();
      if (res.status === 429) providerRateLimited.labels("massive", endpoint).inc();
      const text = await res.text();
      if (res.ok) return { body: parseJson(text, url) };
      const message = redact(errorMessage(text, res));
      const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"));
      if (res.status === 401 || res.status === 403) throw new ProviderError(`Massive ${res.status}: ${message}`, "auth", res.status);
      if (res.status === 404) throw new ProviderError(`Massive 404: ${message}`, "not_found", 404);
      if (res.status === 429) {
        const delayMs = retryAfterMs ?? rateLimitWaitMs;
        events.onRateLimit?.({ retryAfterSeconds: Math.ceil(delayMs / 1000), url, attempt });
        return { status: 429, delayMs, message };
      }
      if (res.status >= 500) return { status: res.status, delayMs: retryAfterMs ?? backoff(attempt), message };
      throw new ProviderError(`Massive ${res.status}: ${message}`, "bad_response", res.status);
    } catch (err) {
      if (err instanceof ProviderError) throw err;
      if (signal?.aborted) throw signal.reason;
      const timedOut = timeout.aborted;
      providerRequests.labels("massive", endpoint, timedOut ? "timeout" : "network").inc();
      const message = timedOut ? `no answer within ${cfg.timeoutMs} ms` : redact(describeNetworkError(err));
      return { status: timedOut ? "timeout" : "network", delayMs: backoff(attempt), message };
    }
  }

  return {
    async getJson(pathAndQuery, signal) {
      const url = base + pathAndQuery;
      const endpoint = endpointOf(pathAndQuery);
      for (let attempt = 1; ; attempt++) {
        signal?.throwIfAborted();
        const outcome = await attemptOnce(url, endpoint, attempt, signal);
        if ("body" in outcome) return outcome.body;
        if (attempt > cfg.maxRetries) {
          const kind = outcome.status === 429 ? "rate_limited" : "unavailable";
          const status = typeof outcome.status === "number" ? outcome.status : undefined;
          throw new ProviderError(
            `Massive ${outcome.status} after ${attempt} attempt(s) for ${pathOf(url)}: ${outcome.message}`,
            kind,
            status,
          );
        }
        events.onRetry?.({ status: outcome.status, attempt, delayMs: outcome.delayMs, url });
        await sleep(outcome.delayMs, signal);
      }
    },

    rebase(nextUrl) {
      const next = new URL(nextUrl, base + "/");
      next.searchParams.delete("apiKey");
      return next.pathname + next.search;
    },
  };
}

/** A request's endpoint as a bounded metric label: never the ticker or date in its path. */
export function endpointOf(pathAndQuery: string): "grouped_daily" | "tickers" | "ticker_details" | "other" {
  const path = pathAndQuery.split("?", 1)[0]!;
  if (path.startsWith("/v2/aggs/grouped/")) return "grouped_daily";
  if (path === "/v3/reference/tickers") return "tickers";
  if (path.startsWith("/v3/reference/tickers/")) return "ticker_details";
  return "other";
}

function parseJson(text: string, url: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ProviderError(`Massive answered ${pathOf(url)} with a body that is not JSON`, "bad_response");
  }
}

/** Massive's error text: `error` (401, 429, generic errors) or `message` (403, 404). */
function errorMessage(text: string, res: Response): string {
  let message: unknown;
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    message = body.error ?? body.message;
  } catch {
    message = undefined;
  }
  const s = typeof message === "string" && message !== "" ? message : res.statusText || `HTTP ${res.status}`;
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Math.min(Number(v) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}

function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${(err.cause as NodeJS.ErrnoException).code ?? err.cause.message}` : "";
  return `${err.message}${cause}`;
}

function pathOf(url: string): string {
  return new URL(url).pathname;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
