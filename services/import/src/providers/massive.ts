// The Massive (ex-Polygon) provider, per MASSIVE_API.md.
// - dailyBars: grouped daily /v2/aggs/grouped/locale/us/market/stocks/{date}?adjusted=true.
//   No results (absent, null or []) is an empty batch: weekends, holidays, not yet published.
//   OTC rows are skipped; a row that fails the schema is a Rejection, the rest goes on.
// - listSymbols: /v3/reference/tickers?market=stocks&active=true&limit=1000, following next_url
//   (re-based on our base URL, nothing but its cursor sent, the key in the header again), then
//   ticker details (market cap, SIC, list date, delisting) for at most `detailsLimit` tickers,
//   common stocks first. The trade-off: details cost one request per ticker, and the free plan
//   allows 5 requests a minute, so 10,000 tickers take ~33 hours there (minutes on a paid plan);
//   tickers beyond the limit come without market cap, SIC or list date. A 404 skips a ticker.
//   Massive's reference data is today's: `asOf` is not sent (older dates need a paid plan and
//   answer 403 otherwise), so market caps are the latest, and sp500/nasdaq100 are always false
//   (Massive has no index membership).
import { isValidIsoDate } from "@tickstock/common/trading-calendar.ts";
import { DailyBarsBuilder } from "./daily-bars-builder.ts";
import { createMassiveHttp, type MassiveHttp } from "./massive-http.ts";
import {
  firstIssue,
  GroupedDailyResponse,
  GroupedDailyRow,
  TickerDetailsResponse,
  TickerRow,
  TickersPage,
  type TickerDetails,
} from "./massive-schemas.ts";
import { sectorOfSic } from "./sic-sectors.ts";
import { ProviderError, type DailyBars, type MarketDataProvider, type ProviderEvents, type SymbolInfo } from "./types.ts";

export interface MassiveProviderConfig {
  provider: "massive";
  apiKey: string;
  /** https://api.massive.com (or a fake server in tests). */
  baseUrl: string;
  /** Retries after the first attempt, for 429, 5xx and network errors. */
  maxRetries: number;
  /** Per request attempt. */
  timeoutMs: number;
  /** At most this many ticker-details requests per listSymbols (0: none). */
  detailsLimit: number;
  /** Backoff base for 5xx/network errors (default 1000 ms) and its cap (default 60,000 ms). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Wait after a 429 without Retry-After (default 60,000 ms). */
  rateLimitWaitMs?: number;
  /** Tickers per list page (default and maximum 1000). */
  pageLimit?: number;
}

/** A guard against a server that never stops paging (10,000 tickers are ~11 pages). */
const MAX_PAGES = 1000;

export function createMassiveProvider(cfg: Omit<MassiveProviderConfig, "provider">, events?: ProviderEvents): MarketDataProvider {
  const http = createMassiveHttp(cfg, events);
  return {
    name: "massive",
    dailyBars: (date, signal) => groupedDaily(http, date, signal),
    listSymbols: (_asOf, signal) => listSymbols(http, cfg, signal),
  };
}

async function groupedDaily(http: MassiveHttp, date: string, signal?: AbortSignal): Promise<DailyBars> {
  if (!isValidIsoDate(date)) throw new RangeError(`not an ISO date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  const source = `massive grouped ${date}`;
  const body = await http.getJson(`/v2/aggs/grouped/locale/us/market/stocks/${date}?adjusted=true`, signal);
  const parsed = GroupedDailyResponse.safeParse(body);
  if (!parsed.success) throw new ProviderError(`Massive grouped daily ${date}: unexpected answer (${firstIssue(parsed.error)})`, "bad_response");
  if (parsed.data.status === "ERROR") throw new ProviderError(`Massive grouped daily ${date}: status ERROR`, "bad_response");
  const rows = parsed.data.results ?? [];
  const out = new DailyBarsBuilder(date, { capacity: rows.length });
  for (const raw of rows) {
    if (isOtc(raw)) continue;
    const row = GroupedDailyRow.safeParse(raw);
    if (row.success) {
      const r = row.data;
      out.push(r.T, r.o, r.h, r.l, r.c, r.v);
    } else {
      const symbol = typeof (raw as { T?: unknown } | null)?.T === "string" ? (raw as { T: string }).T : "";
      out.reject({ symbol, date, reason: `bad row: ${firstIssue(row.error)}`, source });
    }
  }
  return out.build(source);
}

function isOtc(raw: unknown): boolean {
  return typeof raw === "object" && raw !== null && (raw as { otc?: unknown }).otc === true;
}

async function listSymbols(http: MassiveHttp, cfg: Omit<MassiveProviderConfig, "provider">, signal?: AbortSignal): Promise<SymbolInfo[]> {
  const tickers = await listTickers(http, cfg.pageLimit ?? 1000, signal);
  const details = new Map<string, TickerDetails>();
  const wanted = [...tickers].sort((a, b) => Number(b.type === "CS") - Number(a.type === "CS")).slice(0, Math.max(0, cfg.detailsLimit));
  for (const t of wanted) {
    const d = await tickerDetails(http, t.ticker, signal);
    if (d) details.set(t.ticker, d);
  }
  return tickers.map((t) => toSymbolInfo(t, details.get(t.ticker)));
}

async function listTickers(http: MassiveHttp, pageLimit: number, signal?: AbortSignal): Promise<TickerRow[]> {
  const tickers: TickerRow[] = [];
  const seen = new Set<string>();
  let path: string | null = `/v3/reference/tickers?market=stocks&active=true&limit=${pageLimit}`;
  for (let page = 1; path !== null; page++) {
    if (page > MAX_PAGES) throw new ProviderError(`Massive tickers list did not end after ${MAX_PAGES} pages`, "bad_response");
    const parsed = TickersPage.safeParse(await http.getJson(path, signal));
    if (!parsed.success) throw new ProviderError(`Massive tickers page ${page}: unexpected answer (${firstIssue(parsed.error)})`, "bad_response");
    for (const raw of parsed.data.results ?? []) {
      const row = TickerRow.safeParse(raw);
      // A row without a ticker cannot be stored; a ticker on two pages is kept once.
      if (row.success && !seen.has(row.data.ticker)) {
        seen.add(row.data.ticker);
        tickers.push(row.data);
      }
    }
    path = parsed.data.next_url ? http.rebase(parsed.data.next_url) : null;
  }
  return tickers;
}

async function tickerDetails(http: MassiveHttp, ticker: string, signal?: AbortSignal): Promise<TickerDetails | null> {
  let body: unknown;
  try {
    body = await http.getJson(`/v3/reference/tickers/${encodeURIComponent(ticker)}`, signal);
  } catch (err) {
    if (err instanceof ProviderError && err.kind === "not_found") return null; // e.g. delisted since the list was read
    throw err;
  }
  const parsed = TickerDetailsResponse.safeParse(body);
  return parsed.success ? parsed.data.results : null;
}

function toSymbolInfo(t: TickerRow, d: TickerDetails | undefined): SymbolInfo {
  const sicCode = d?.sic_code ?? "";
  const delisted = dateOf(d?.delisted_utc ?? t.delisted_utc);
  return {
    symbol: t.ticker,
    name: t.name || d?.name || t.ticker,
    sector: sectorOfSic(sicCode),
    industry: d?.sic_description ?? "",
    sicCode,
    sicDescription: d?.sic_description ?? "",
    marketCap: typeof d?.market_cap === "number" && Number.isFinite(d.market_cap) ? d.market_cap : null,
    listDate: d?.list_date && isValidIsoDate(d.list_date) ? d.list_date : null,
    active: (d?.active ?? t.active ?? true) && delisted === null,
    delistedDate: delisted,
    sp500: false,
    nasdaq100: false,
    exchange: d?.primary_exchange ?? t.primary_exchange ?? "",
    type: d?.type ?? t.type ?? "",
  };
}

/** "2024-03-01T00:00:00Z" → "2024-03-01"; null when absent or unreadable. */
function dateOf(utc: string | null | undefined): string | null {
  const date = utc?.slice(0, 10) ?? "";
  return isValidIsoDate(date) ? date : null;
}
