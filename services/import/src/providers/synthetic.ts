// The synthetic provider (the default): a deterministic seeded market, no network. The same
// (seed, symbols, calendar) always gives the same symbols and the same bars, and a bar depends
// only on its (symbol, date), never on the range requested. See synthetic-prices.ts for the path.
import {
  dateFromDayNumber,
  dayNumber,
  isTradingDay,
  isValidIsoDate,
  previousTradingDay,
  type CalendarOptions,
} from "@tickstock/common/trading-calendar.ts";
import { closesOn, fillBars } from "./synthetic-prices.ts";
import { buildSyntheticMarket, type SyntheticMarket } from "./synthetic-universe.ts";
import { emptyDailyBars, type DailyBars, type MarketDataProvider, type SymbolInfo } from "./types.ts";

export interface SyntheticProviderConfig {
  provider: "synthetic";
  seed: number;
  /** How many symbols ever list (IPOs up to 2027 and delisted ones included); default 5000. */
  symbols: number;
  calendar?: CalendarOptions;
}

export function createSyntheticProvider(cfg: Omit<SyntheticProviderConfig, "provider">): MarketDataProvider {
  let market: SyntheticMarket | undefined;
  const getMarket = () => (market ??= buildSyntheticMarket(cfg.seed, cfg.symbols, cfg.calendar));
  const source = `synthetic seed ${cfg.seed}`;

  return {
    name: "synthetic",

    async listSymbols(asOf, signal) {
      signal?.throwIfAborted();
      const t = checkedDay(asOf);
      const m = getMarket();
      const priced = isTradingDay(asOf, cfg.calendar) ? asOf : previousTradingDay(asOf, cfg.calendar);
      const closes = closesOn(m.prices, dayNumber(priced));
      const out: SymbolInfo[] = [];
      for (let i = 0; i < m.symbols.length; i++) {
        if (m.listDay[i] > t) continue; // not listed yet as of that date
        const s = m.symbols[i];
        const active = m.delistDay[i] > t;
        out.push({
          symbol: s.symbol,
          name: s.name,
          sector: s.sector,
          industry: s.industry,
          sicCode: s.sicCode,
          sicDescription: s.sicDescription,
          marketCap: active ? Math.round(m.shares[i] * closes[i]) : null,
          listDate: s.listDate,
          active,
          delistedDate: active ? null : dateFromDayNumber(m.delistDay[i]),
          sp500: s.sp500,
          nasdaq100: s.nasdaq100,
          exchange: s.exchange,
          type: "CS",
        });
      }
      return out;
    },

    async dailyBars(date, signal) {
      signal?.throwIfAborted();
      return syntheticDailyBars(getMarket(), date, cfg.calendar, source);
    },
  };
}

/** The bars of one date for every symbol listed that day; synchronous, for the benchmark too. */
export function syntheticDailyBars(m: SyntheticMarket, date: string, calendar: CalendarOptions | undefined, source: string): DailyBars {
  const t = checkedDay(date);
  if (!isTradingDay(date, calendar)) return emptyDailyBars(date, source);
  const n = m.symbols.length;
  const rows = new Int32Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (m.listDay[i] <= t && t < m.delistDay[i]) rows[count++] = i;
  }
  const symbols: string[] = [];
  for (let j = 0; j < count; j++) symbols.push(m.symbols[rows[j]].symbol);
  const bars: DailyBars = {
    date,
    symbols,
    open: new Float64Array(count),
    high: new Float64Array(count),
    low: new Float64Array(count),
    close: new Float64Array(count),
    volume: new Float64Array(count),
    rejected: [],
    source,
  };
  const tp = dayNumber(previousTradingDay(date, calendar));
  fillBars(m.prices, t, tp, rows.subarray(0, count), bars);
  return bars;
}

function checkedDay(date: string): number {
  if (!isValidIsoDate(date)) throw new RangeError(`not an ISO date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  return dayNumber(date);
}
