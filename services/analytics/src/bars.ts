// Reads of bars and symbols from the import service (the owner of ohlcv_daily) for the main
// thread: the universe of a date, and one symbol's history for GetIndicators. The phases'
// bulk reads run in the workers (bars-wire.ts).
import type { Client } from "@connectrpc/connect";
import type { ImportService } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import type { BarSeries } from "./compute.ts";

export type ImportClient = Pick<Client<typeof ImportService>, "listBars" | "listSymbols" | "describeBars">;

/** ListBars' largest batch. */
const MAX_BATCH = 5000;

/** The symbols with a bar on the date, sorted. */
export async function symbolsOnDate(client: ImportClient, date: string, signal: AbortSignal): Promise<string[]> {
  const symbols: string[] = [];
  for await (const msg of client.listBars({ fromDate: date, toDate: date, batchSize: MAX_BATCH }, { signal })) {
    for (const s of msg.series) symbols.push(s.symbol);
  }
  return symbols.sort();
}

/** Every stored bar of one symbol up to `toDate` ("" = all): no trailing window. */
export async function readSymbolHistory(client: ImportClient, symbol: string, toDate: string, signal: AbortSignal): Promise<BarSeries> {
  const bars: BarSeries = { day: new Int32Array(0), open: new Float64Array(0), high: new Float64Array(0), low: new Float64Array(0), close: new Float64Array(0), volume: new Float64Array(0) };
  for await (const msg of client.listBars({ symbols: [symbol], toDate, batchSize: 1 }, { signal })) {
    for (const s of msg.series) {
      if (s.symbol !== symbol) continue;
      return {
        day: Int32Array.from(s.day),
        open: Float64Array.from(s.open),
        high: Float64Array.from(s.high),
        low: Float64Array.from(s.low),
        close: Float64Array.from(s.close),
        volume: Float64Array.from(s.volume),
      };
    }
  }
  return bars;
}

/** The version of the stored bars (changes with every write of them). */
export async function currentBarsVersion(client: ImportClient, signal: AbortSignal): Promise<bigint> {
  return (await client.describeBars({}, { signal })).barsVersion;
}

/** Whether the import service knows the symbol (listed, inactive or delisted). */
export async function isKnownSymbol(client: ImportClient, symbol: string, signal: AbortSignal): Promise<boolean> {
  for await (const msg of client.listSymbols({ symbols: [symbol], includeInactive: true }, { signal })) {
    if (msg.symbol.length > 0) return true;
  }
  return false;
}
