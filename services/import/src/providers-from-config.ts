import type { EventPublisher } from "@tickstock/common/events.ts";
import type { Logger } from "@tickstock/common/log.ts";
import type { ImportConfig } from "./config.ts";
import { createProvider } from "./providers/index.ts";
import type { MarketDataProvider, ProviderEvents } from "./providers/types.ts";

/**
 * The providers this process can use: synthetic always; massive when a key is
 * configured; csv when a directory is. Each 429 from Massive is published on
 * tickstock:errors as RATE_LIMIT_EXCEEDED with retry_after.
 */
export function createProviders(cfg: ImportConfig, publisher: EventPublisher, log: Logger): Map<string, MarketDataProvider> {
  const events: ProviderEvents = {
    onRateLimit: ({ retryAfterSeconds, attempt, url }) => {
      const path = new URL(url).pathname;
      log.warn({ retry_after: retryAfterSeconds, attempt, path }, "provider rate limit");
      publisher.publish("error", {
        severity: "warning",
        component: "data_import",
        error_code: "RATE_LIMIT_EXCEEDED",
        message: "Massive API rate limit hit",
        context: { retry_after: retryAfterSeconds, attempt, path },
      });
    },
    onRetry: ({ status, attempt, delayMs, url }) => log.info({ status, attempt, delay_ms: delayMs, path: new URL(url).pathname }, "provider retry"),
  };
  const calendar = { specialClosures: cfg.MARKET_SPECIAL_CLOSURES };
  const providers = new Map<string, MarketDataProvider>();
  providers.set("synthetic", createProvider({ provider: "synthetic", seed: cfg.IMPORT_SYNTHETIC_SEED, symbols: cfg.IMPORT_SYNTHETIC_SYMBOLS, calendar }, events));
  if (cfg.MASSIVE_API_KEY) {
    providers.set(
      "massive",
      createProvider(
        { provider: "massive", apiKey: cfg.MASSIVE_API_KEY, baseUrl: cfg.MASSIVE_BASE_URL, maxRetries: cfg.MASSIVE_MAX_RETRIES, timeoutMs: cfg.MASSIVE_TIMEOUT_MS, detailsLimit: cfg.MASSIVE_DETAILS_LIMIT },
        events,
      ),
    );
  }
  if (cfg.IMPORT_CSV_DIR) providers.set("csv", createProvider({ provider: "csv", dir: cfg.IMPORT_CSV_DIR }, events));
  return providers;
}
