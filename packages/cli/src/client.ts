import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { codeName } from "@tickstock/common/errors.ts";
import { CacheSyncService } from "@tickstock/gen/tickstock/cachesync/v1/cache_sync_pb.js";
import { CoordinatorService } from "@tickstock/gen/tickstock/coordinator/v1/coordinator_pb.js";
import type { CliConfig } from "./config.ts";

/** Typed clients of the gateway's Connect endpoints (the same RPCs as the REST routes), with the key. */
export interface Gateway {
  coordinator: Client<typeof CoordinatorService>;
  cacheSync: Client<typeof CacheSyncService>;
}

export function createGatewayClients(cfg: CliConfig): Gateway {
  const apiKey: Interceptor = (next) => (req) => {
    req.header.set("x-api-key", cfg.TICKSTOCK_API_KEY);
    return next(req);
  };
  const transport = createConnectTransport({ baseUrl: cfg.TICKSTOCK_URL, httpVersion: "1.1", interceptors: [apiKey], defaultTimeoutMs: cfg.TICKSTOCK_TIMEOUT_MS });
  return { coordinator: createClient(CoordinatorService, transport), cacheSync: createClient(CacheSyncService, transport) };
}

const NETWORK = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ECONNRESET", "ETIMEDOUT"]);

/** One line for an error of a gateway call: what went wrong and, where it helps, what to set. */
export function describeCallError(err: unknown, cfg: CliConfig): string {
  const ce = ConnectError.from(err);
  const cause = (ce.cause as NodeJS.ErrnoException | undefined)?.code;
  const oneLine = (s: string) => s.replace(/\s+/g, " ").trim();
  if (ce.code === Code.Unavailable && cause !== undefined && NETWORK.has(cause)) {
    return `cannot reach the gateway at ${cfg.TICKSTOCK_URL} (${oneLine(ce.rawMessage)}); is it running? (TICKSTOCK_URL)`;
  }
  if (ce.code === Code.Unauthenticated) return `unauthenticated: ${oneLine(ce.rawMessage)} (set TICKSTOCK_API_KEY)`;
  if (ce.code === Code.DeadlineExceeded) return `no answer from the gateway within ${cfg.TICKSTOCK_TIMEOUT_MS} ms (TICKSTOCK_TIMEOUT_MS)`;
  const retry = ce.metadata.get("retry-after");
  const hint = retry && !/retry/i.test(ce.rawMessage) ? ` (retry after ${retry} s)` : "";
  return `${codeName(ce.code)}: ${oneLine(ce.rawMessage)}${hint}`;
}
