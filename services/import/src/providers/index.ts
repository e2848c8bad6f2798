// The provider chosen by configuration. Each provider lives in its own module; this is the
// only place that knows all three.
import { createCsvProvider, type CsvProviderConfig } from "./csv.ts";
import { createMassiveProvider, type MassiveProviderConfig } from "./massive.ts";
import { createSyntheticProvider, type SyntheticProviderConfig } from "./synthetic.ts";
import type { MarketDataProvider, ProviderEvents } from "./types.ts";

export type ProviderConfig = SyntheticProviderConfig | MassiveProviderConfig | CsvProviderConfig;
export type { CsvProviderConfig, MassiveProviderConfig, SyntheticProviderConfig };
export * from "./types.ts";

/** events: rate limits and retries of the providers that make requests (massive). */
export function createProvider(cfg: ProviderConfig, events?: ProviderEvents): MarketDataProvider {
  switch (cfg.provider) {
    case "synthetic":
      return createSyntheticProvider(cfg);
    case "massive":
      return createMassiveProvider(cfg, events);
    case "csv":
      return createCsvProvider(cfg);
  }
}
