// The one interface every market-data provider implements, and the shapes it returns.
// Providers fetch and parse; they never touch Postgres or Redis. What they see go wrong with a
// row comes back as a Rejection; what goes wrong with the source comes back as a ProviderError.

export interface SymbolInfo {
  symbol: string;
  name: string;
  sector: string;
  industry: string;
  sicCode: string;
  sicDescription: string;
  /** US dollars, as of the `asOf` date of listSymbols; null when the provider does not know it. */
  marketCap: number | null;
  listDate: string | null;
  active: boolean;
  delistedDate: string | null;
  sp500: boolean;
  nasdaq100: boolean;
  /** Primary exchange MIC: XNYS, XNAS, ARCX… ("" when unknown). */
  exchange: string;
  /** Massive's ticker type: CS, ETF, WARRANT… ("" when unknown). */
  type: string;
}

/**
 * All symbols' bars of one trading date, columnar: row i is symbols[i] with open[i]… volume[i].
 * No per-bar objects, so a 10,000-symbol day costs five typed arrays and one string array.
 */
export interface DailyBars {
  date: string;
  symbols: string[];
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  /** Rows the provider could not parse, reported with where they came from. */
  rejected: Rejection[];
  /** Where row i came from ("prices.csv:12"); set by providers that know lines (csv). */
  rowSources?: string[];
  /** Where the whole batch came from ("massive grouped 2025-01-24"), for rows without a rowSource. */
  source?: string;
}

export interface Rejection {
  symbol: string;
  date: string;
  reason: string;
  /** e.g. "file.csv:12" or "massive grouped 2025-01-24" */
  source: string;
}

export interface ProviderEvents {
  /** Each HTTP 429, before the wait (the service publishes RATE_LIMIT_EXCEEDED with retry_after). */
  onRateLimit?(info: { retryAfterSeconds: number; url: string; attempt: number }): void;
  /** Each retry about to happen (429, 5xx, network error or timeout), with its delay. */
  onRetry?(info: { status: number | string; attempt: number; delayMs: number; url: string }): void;
}

export interface MarketDataProvider {
  readonly name: "synthetic" | "massive" | "csv";
  /** Reference data as of a date (market cap as of that date). */
  listSymbols(asOf: string, signal?: AbortSignal): Promise<SymbolInfo[]>;
  /** All symbols' bars for one date; a holiday/weekend/no-data date gives an empty batch, never an error. */
  dailyBars(date: string, signal?: AbortSignal): Promise<DailyBars>;
}

export type ProviderErrorKind = "auth" | "rate_limited" | "unavailable" | "bad_response" | "not_found";

/** A failure of the data source itself (not of one row). The message never contains an API key. */
export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  readonly status?: number;

  constructor(message: string, kind: ProviderErrorKind, status?: number, options?: ErrorOptions) {
    super(message, options);
    this.name = "ProviderError";
    this.kind = kind;
    if (status !== undefined) this.status = status;
  }
}

export function emptyDailyBars(date: string, source?: string): DailyBars {
  const empty = new Float64Array(0);
  return { date, symbols: [], open: empty, high: empty, low: empty, close: empty, volume: empty, rejected: [], source };
}
