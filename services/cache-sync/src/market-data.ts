// The job's input, read only through the import service's gRPC API (never its tables): the
// symbol list, streamed in columnar batches, and the bars' coverage.
import type { Client } from "@connectrpc/connect";
import type { ImportService, ListSymbolsResponse } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import type { SymbolRecord } from "./universes/types.ts";

export type ImportClient = Pick<Client<typeof ImportService>, "listSymbols" | "describeBars">;

export interface CallOptions {
  signal: AbortSignal;
  timeoutMs: number;
}

/** Every symbol, inactive and delisted ones included (the clean-up needs to know they died). */
export async function loadSymbols(client: ImportClient, batchSize: number, opts: CallOptions): Promise<SymbolRecord[]> {
  const symbols: SymbolRecord[] = [];
  const batch = Math.min(Math.max(batchSize, 1), 10_000); // the import service's maximum
  for await (const part of client.listSymbols({ includeInactive: true, batchSize: batch }, opts)) {
    symbols.push(...symbolRecordsOf(part));
  }
  return symbols;
}

/** One columnar batch as records (a column shorter than `symbol` reads as empty values). */
export function symbolRecordsOf(b: ListSymbolsResponse): SymbolRecord[] {
  return b.symbol.map((symbol, i) => ({
    symbol,
    name: b.name[i] ?? "",
    sector: b.sector[i] ?? "",
    industry: b.industry[i] ?? "",
    sicDescription: b.sicDescription[i] ?? "",
    marketCap: b.marketCap[i] ?? 0,
    listDate: b.listDate[i] ?? "",
    active: b.active[i] ?? false,
    delistedDate: b.delistedDate[i] ?? "",
    sp500: b.sp500[i] ?? false,
    nasdaq100: b.nasdaq100[i] ?? false,
    exchange: b.exchange[i] ?? "",
    type: b.type[i] ?? "",
  }));
}

/** The newest date with bars on or before `day` (YYYY-MM-DD), "" when there is none. */
export async function newestBarDate(client: ImportClient, day: string, opts: CallOptions): Promise<string> {
  const coverage = await client.describeBars({ onOrBefore: day }, opts);
  return coverage.latestDate;
}
