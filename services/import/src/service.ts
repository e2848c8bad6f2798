import type pg from "pg";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { RawListBarsResponse } from "@tickstock/common/bars-wire.ts";
import { failedPrecondition, invalidArgument } from "@tickstock/common/errors.ts";
import type { EventPublisher } from "@tickstock/common/events.ts";
import type { Logger } from "@tickstock/common/log.ts";
import type { ActivityTracker } from "@tickstock/common/system-metrics.ts";
import { dayNumber, isValidIsoDate, type CalendarOptions } from "@tickstock/common/trading-calendar.ts";
import {
  ImportService,
  type DescribeBarsRequest,
  type ListBarsRequest,
  type ListSymbolsRequest,
  type RunImportRequest,
} from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import type { MarketDataProvider } from "./providers/types.ts";
import { runImport } from "./importer.ts";
import { SYMBOL_PATTERN } from "./validation.ts";
import * as store from "./store.ts";

export interface ImportServiceDeps {
  pool: pg.Pool;
  publisher: EventPublisher;
  log: Logger;
  providers: ReadonlyMap<string, MarketDataProvider>;
  defaultProvider: string;
  calendar: CalendarOptions;
  maxRangeDays: number;
  batchRows?: number;
  progressIntervalMs?: number;
  /** Bytes of series per ListBars response (default LIST_BARS_RESPONSE_BYTES). */
  listBarsResponseBytes?: number;
  /** Where the running import is recorded (system_metrics' active_run). */
  activity?: ActivityTracker;
}

const PROVIDERS = ["synthetic", "massive", "csv"];

function checkDate(field: string, value: string): string {
  if (!isValidIsoDate(value)) throw invalidArgument(field, `${field} must be a date YYYY-MM-DD, got "${value.slice(0, 40)}"`);
  return value;
}

function checkRange(from: string, to: string, maxDays: number): void {
  if (from > to) throw invalidArgument("from_date", `from_date ${from} is after to_date ${to}`);
  if (dayNumber(to) - dayNumber(from) + 1 > maxDays) throw invalidArgument("to_date", `the range covers more than ${maxDays} days`);
}

function checkSymbols(symbols: readonly string[]): string[] {
  if (symbols.length > 20_000) throw invalidArgument("symbols", "at most 20000 symbols per request");
  for (const s of symbols) if (!SYMBOL_PATTERN.test(s)) throw invalidArgument("symbols", `"${s.slice(0, 24)}" is not a ticker symbol`);
  return [...symbols];
}

function checkBatch(size: number, fallback: number, max: number): number {
  if (size < 0 || size > max) throw invalidArgument("batch_size", `batch_size must be between 1 and ${max}`);
  return size || fallback;
}

/** Bytes of series a ListBars response carries at most (unless one series is larger). */
export const LIST_BARS_RESPONSE_BYTES = 3.5 * 1024 * 1024;

/** ImportService's handlers; ListBars yields its SymbolBars already encoded (RawBarsService). */
export type ImportServiceImpl = Omit<ServiceImpl<typeof ImportService>, "listBars"> & {
  listBars(req: ListBarsRequest, ctx: HandlerContext): AsyncIterable<RawListBarsResponse>;
};

export function createImportService(deps: ImportServiceDeps): ImportServiceImpl {
  return {
    async *runImport(req: RunImportRequest, ctx: HandlerContext) {
      const from = checkDate("from_date", req.fromDate);
      const to = req.toDate ? checkDate("to_date", req.toDate) : from;
      checkRange(from, to, deps.maxRangeDays);
      const name = req.provider || deps.defaultProvider;
      if (!PROVIDERS.includes(name)) throw invalidArgument("provider", `provider must be one of ${PROVIDERS.join(", ")}`);
      const provider = deps.providers.get(name);
      if (!provider) throw failedPrecondition(`provider ${name} is not configured on this service`, { provider: name });
      if (req.runId.length > 100) throw invalidArgument("run_id", "run_id is too long");
      const updates = runImport(deps, { runId: req.runId, from, to, provider, skipSymbols: req.skipSymbols }, ctx.signal);
      for await (const u of updates) yield { event: u };
    },

    async *listSymbols(req: ListSymbolsRequest) {
      const index = req.index || "all";
      if (!["all", "sp500", "nasdaq100"].includes(index)) throw invalidArgument("index", "index must be one of all, sp500, nasdaq100");
      const batch = checkBatch(req.batchSize, 1000, 10_000);
      const rows = await store.listSymbols(deps.pool, { symbols: checkSymbols(req.symbols), index: index as "all", includeInactive: req.includeInactive });
      for (let i = 0; i < rows.length; i += batch) {
        const part = rows.slice(i, i + batch);
        yield {
          symbol: part.map((r) => r.symbol),
          name: part.map((r) => r.name),
          sector: part.map((r) => r.sector),
          industry: part.map((r) => r.industry),
          sicDescription: part.map((r) => r.sic_description),
          marketCap: part.map((r) => r.market_cap ?? 0),
          listDate: part.map((r) => r.list_date ?? ""),
          active: part.map((r) => r.active),
          delistedDate: part.map((r) => r.delisted_date ?? ""),
          sp500: part.map((r) => r.sp500),
          nasdaq100: part.map((r) => r.nasdaq100),
          exchange: part.map((r) => r.exchange),
          type: part.map((r) => r.type),
        };
      }
    },

    async *listBars(req: ListBarsRequest, ctx: HandlerContext): AsyncGenerator<RawListBarsResponse> {
      const from = req.fromDate ? checkDate("from_date", req.fromDate) : null;
      const to = req.toDate ? checkDate("to_date", req.toDate) : null;
      if (from && to && from > to) throw invalidArgument("from_date", `from_date ${from} is after to_date ${to}`);
      const batch = checkBatch(req.batchSize, 500, 5000);
      const symbols = req.symbols.length > 0 ? checkSymbols(req.symbols).sort() : await store.symbolsWithBars(deps.pool, from, to);
      const client = await deps.pool.connect();
      try {
        for (let i = 0; i < symbols.length && !ctx.signal.aborted; i += batch) {
          // At most `batch` series and about LIST_BARS_RESPONSE_BYTES per response (grpcurl's and
          // grpc-js's default receive limit is 4 MiB); a longer series goes alone.
          const maxBytes = deps.listBarsResponseBytes ?? LIST_BARS_RESPONSE_BYTES;
          let series: Uint8Array[] = [];
          let bytes = 0;
          for await (const s of store.readBars(client, symbols.slice(i, i + batch), from, to)) {
            if (series.length > 0 && bytes + s.length > maxBytes) {
              yield { series };
              series = [];
              bytes = 0;
            }
            series.push(s);
            bytes += s.length;
          }
          if (series.length > 0) yield { series };
        }
      } finally {
        client.release();
      }
    },

    async describeBars(req: DescribeBarsRequest) {
      const onOrBefore = req.onOrBefore ? checkDate("on_or_before", req.onOrBefore) : null;
      const c = await store.describeBars(deps.pool, onOrBefore);
      return {
        latestDate: c.latest_date ?? "",
        earliestDate: c.earliest_date ?? "",
        symbolsOnLatestDate: c.symbols_on_latest_date,
        totalBars: c.total_bars,
        totalSymbols: c.total_symbols,
        barsVersion: BigInt(c.bars_version),
      };
    },
  };
}
