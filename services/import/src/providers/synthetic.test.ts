import { describe, expect, it } from "vitest";
import { addDays, dayNumber, isTradingDay, tradingDaysBetween } from "@tickstock/common/trading-calendar.ts";
import { validateDailyBars } from "../validation.ts";
import { createProvider } from "./index.ts";
import { SECTORS } from "./synthetic-industries.ts";
import type { DailyBars, MarketDataProvider, SymbolInfo } from "./types.ts";

const SEED = 20250124;
const market = (seed = SEED, symbols = 5000): MarketDataProvider => createProvider({ provider: "synthetic", seed, symbols });
const shared = market();

function rowsOf(b: DailyBars): string[] {
  return b.symbols.map((s, i) => `${s} ${b.open[i]} ${b.high[i]} ${b.low[i]} ${b.close[i]} ${b.volume[i]}`);
}

function barOf(b: DailyBars, symbol: string): string | undefined {
  const i = b.symbols.indexOf(symbol);
  return i === -1 ? undefined : rowsOf(b)[i];
}

function band(cap: number): string {
  if (cap >= 200e9) return "mega";
  if (cap >= 10e9) return "large";
  if (cap >= 2e9) return "mid";
  if (cap >= 300e6) return "small";
  if (cap >= 50e6) return "micro";
  return "below micro";
}

describe("synthetic provider: determinism", () => {
  it("gives the same symbols and bars for the same seed", async () => {
    const other = market();
    expect(await other.listSymbols("2025-01-24")).toEqual(await shared.listSymbols("2025-01-24"));
    expect(rowsOf(await other.dailyBars("2025-01-24"))).toEqual(rowsOf(await shared.dailyBars("2025-01-24")));
  });

  it("gives a different market for a different seed", async () => {
    const other = market(SEED + 1);
    const [a, b] = [await shared.listSymbols("2025-01-24"), await other.listSymbols("2025-01-24")];
    expect(a.map((s) => s.symbol)).not.toEqual(b.map((s) => s.symbol));
    expect(rowsOf(await other.dailyBars("2025-01-24"))).not.toEqual(rowsOf(await shared.dailyBars("2025-01-24")));
  });

  it("gives a bar that does not depend on the range it is requested in", async () => {
    // A fresh provider asked for one date, another walking a whole backfill range first.
    const alone = await market().dailyBars("2025-01-24");
    const walker = market();
    let inRange: DailyBars | undefined;
    for (const date of tradingDaysBetween("2024-12-02", "2025-02-28")) {
      const b = await walker.dailyBars(date);
      if (date === "2025-01-24") inRange = b;
    }
    expect(rowsOf(inRange!)).toEqual(rowsOf(alone));
    // … and asking again later gives the same values.
    expect(rowsOf(await walker.dailyBars("2025-01-24"))).toEqual(rowsOf(alone));
  });

  it("prices a symbol's market cap from its close on the date", async () => {
    const date = "2025-01-24";
    const bars = await shared.dailyBars(date);
    const symbols = (await shared.listSymbols(date)).filter((s) => s.active);
    const [a, b] = [symbols[0]!, symbols[1]!];
    const [ia, ib] = [bars.symbols.indexOf(a.symbol), bars.symbols.indexOf(b.symbol)];
    // cap / close = shares outstanding: the same the next trading day.
    const next = await shared.dailyBars("2025-01-27");
    const nextCaps = await shared.listSymbols("2025-01-27");
    const sharesA = a.marketCap! / bars.close[ia]!;
    const nextA = nextCaps.find((s) => s.symbol === a.symbol)!;
    expect(nextA.marketCap! / next.close[next.symbols.indexOf(a.symbol)]!).toBeCloseTo(sharesA, -1);
    expect(b.marketCap! / bars.close[ib]!).toBeGreaterThan(1000);
  });

  it("prices a weekend as of the Friday's close", async () => {
    const friday = await shared.listSymbols("2025-01-24");
    const saturday = await shared.listSymbols("2025-01-25");
    expect(saturday.map((s) => s.marketCap)).toEqual(friday.map((s) => s.marketCap));
  });
});

describe("synthetic provider: bars", () => {
  it("gives an empty batch on weekends and NYSE holidays", async () => {
    for (const date of ["2025-01-25", "2025-01-26", "2025-01-01", "2025-04-18", "2025-12-25"]) {
      const b = await shared.dailyBars(date);
      expect(b.symbols, date).toEqual([]);
      expect(b.rejected).toEqual([]);
    }
  });

  it("honours special closures from the calendar options", async () => {
    const closed = createProvider({ provider: "synthetic", seed: SEED, symbols: 200, calendar: { specialClosures: ["2025-01-09"] } });
    expect((await closed.dailyBars("2025-01-09")).symbols).toEqual([]);
    expect((await market(SEED, 200).dailyBars("2025-01-09")).symbols.length).toBeGreaterThan(0);
  });

  it("throws on a date that is not YYYY-MM-DD", async () => {
    await expect(shared.dailyBars("2025-02-30")).rejects.toThrow(RangeError);
    await expect(shared.listSymbols("yesterday")).rejects.toThrow(RangeError);
  });

  it("keeps OHLC invariants and whole cents over a year of every symbol", async () => {
    let bars = 0;
    for (const date of tradingDaysBetween("2024-01-02", "2024-12-31")) {
      const b = await shared.dailyBars(date);
      const { valid, rejected } = validateDailyBars(b);
      expect(rejected, date).toEqual([]);
      expect(valid.symbols.length).toBe(b.symbols.length);
      for (let i = 0; i < b.symbols.length; i++) {
        const [o, h, l, c, v] = [b.open[i]!, b.high[i]!, b.low[i]!, b.close[i]!, b.volume[i]!];
        if (!(h >= Math.max(o, c) && l <= Math.min(o, c) && l >= 0.01 && v >= 0 && Number.isInteger(v))) {
          throw new Error(`${date} ${rowsOf(b)[i]}`);
        }
        for (const p of [o, h, l, c]) if (Math.round(p * 100) / 100 !== p) throw new Error(`${date} ${b.symbols[i]} ${p} is not whole cents`);
      }
      bars += b.symbols.length;
    }
    expect(bars).toBeGreaterThan(1_000_000);
  });

  it("has bars only on trading days, only from the list date and never from the delisting date", async () => {
    const symbols = await shared.listSymbols("2027-12-31");
    const bySymbol = new Map(symbols.map((s) => [s.symbol, s]));
    const wrong: string[] = [];
    for (let date = "2024-12-20"; date <= "2025-01-10"; date = addDays(date, 1)) {
      const b = await shared.dailyBars(date);
      if (!isTradingDay(date)) expect(b.symbols).toEqual([]);
      for (const s of b.symbols) {
        const info = bySymbol.get(s)!;
        if (info.listDate! > date || (info.delistedDate !== null && date >= info.delistedDate)) wrong.push(`${s} ${date}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("starts an IPO's bars on its list date", async () => {
    const ipo = (await shared.listSymbols("2025-06-30")).find((s) => s.listDate! > "2025-03-01")!;
    const day = await shared.dailyBars(ipo.listDate!);
    expect(barOf(day, ipo.symbol)).toBeDefined();
    const before = tradingDaysBetween(addDays(ipo.listDate!, -10), addDays(ipo.listDate!, -1));
    for (const date of before) expect(barOf(await shared.dailyBars(date), ipo.symbol)).toBeUndefined();
  });

  it("stops a delisted symbol's bars at its delisting date", async () => {
    const gone = (await shared.listSymbols("2026-12-31")).filter((s) => !s.active);
    expect(gone.length).toBeGreaterThan(20);
    const s = gone.find((g) => g.delistedDate! > "2024-06-01")!;
    const last = tradingDaysBetween(addDays(s.delistedDate!, -7), addDays(s.delistedDate!, 7));
    for (const date of last) {
      expect(barOf(await shared.dailyBars(date), s.symbol) !== undefined, `${s.symbol} on ${date}`).toBe(date < s.delistedDate!);
    }
  });

  it("makes candle patterns: dojis, engulfings and moving-average crossovers", async () => {
    const dates = tradingDaysBetween("2024-01-02", "2024-12-31");
    const closes = new Map<string, number[]>();
    let dojis = 0;
    let engulfings = 0;
    let total = 0;
    let previous = new Map<string, [number, number]>();
    for (const date of dates) {
      const b = await shared.dailyBars(date);
      const current = new Map<string, [number, number]>();
      for (let i = 0; i < b.symbols.length; i++) {
        const [o, h, l, c] = [b.open[i]!, b.high[i]!, b.low[i]!, b.close[i]!];
        total++;
        if (Math.abs(c - o) <= 0.1 * (h - l)) dojis++;
        const p = previous.get(b.symbols[i]!);
        if (p && p[1] < p[0] && c > o && o <= p[1] && c >= p[0]) engulfings++;
        current.set(b.symbols[i]!, [o, c]);
        if (i < 200) closes.set(b.symbols[i]!, [...(closes.get(b.symbols[i]!) ?? []), c]);
      }
      previous = current;
    }
    expect(dojis / total).toBeGreaterThan(0.02);
    expect(engulfings / total).toBeGreaterThan(0.01);
    let crossovers = 0;
    for (const series of closes.values()) {
      const sma = (n: number, end: number) => series.slice(end - n, end).reduce((a, x) => a + x, 0) / n;
      for (let end = 51; end <= series.length; end++) {
        if (Math.sign(sma(20, end) - sma(50, end)) !== Math.sign(sma(20, end - 1) - sma(50, end - 1))) crossovers++;
      }
    }
    expect(crossovers).toBeGreaterThan(100);
  });

  it("generates a day of 10,000 symbols in milliseconds", async () => {
    const big = market(SEED, 10_000);
    await big.dailyBars("2025-01-23"); // build the market and warm up
    const started = performance.now();
    const b = await big.dailyBars("2025-01-24");
    expect(b.symbols.length).toBeGreaterThan(9000);
    expect(performance.now() - started).toBeLessThan(100);
  });
});

describe("synthetic provider: reference data", () => {
  let symbols: SymbolInfo[];
  const asOf = "2025-01-24";

  it("lists the symbols listed by the date, with unique tickers that pass validation", async () => {
    symbols = await shared.listSymbols(asOf);
    expect(symbols.length).toBeGreaterThan(4000);
    expect(symbols.length).toBeLessThan(5000); // IPOs after the date are not listed yet
    expect(new Set(symbols.map((s) => s.symbol)).size).toBe(symbols.length);
    const odd = symbols.filter(
      (s) => !/^[A-Z][A-Z0-9.-]{0,14}$/.test(s.symbol) || s.listDate! > asOf || s.type !== "CS" || !["XNYS", "XNAS", "ARCX"].includes(s.exchange),
    );
    expect(odd).toEqual([]);
  });

  it("populates every market-cap band, with a few dozen mega caps at most", async () => {
    const counts = new Map<string, number>();
    for (const s of symbols.filter((x) => x.active)) counts.set(band(s.marketCap!), (counts.get(band(s.marketCap!)) ?? 0) + 1);
    expect(counts.get("mega")).toBeGreaterThanOrEqual(10);
    expect(counts.get("mega")).toBeLessThanOrEqual(30);
    for (const b of ["large", "mid", "small", "micro"]) expect(counts.get(b), b).toBeGreaterThan(300);
    expect(counts.get("below micro")).toBeGreaterThan(0);
  });

  it("keeps every band populated through 2020–2027", async () => {
    for (const date of ["2020-01-02", "2022-06-15", "2027-12-31"]) {
      const bands = new Set((await shared.listSymbols(date)).filter((s) => s.active).map((s) => band(s.marketCap!)));
      expect([...bands].sort(), date).toEqual(["below micro", "large", "mega", "micro", "mid", "small"]);
    }
  });

  it("flags about 500 of the largest as S&P 500 and 100 NASDAQ-listed as NASDAQ-100", () => {
    const sp = symbols.filter((s) => s.sp500);
    const ndx = symbols.filter((s) => s.nasdaq100);
    expect(sp).toHaveLength(500);
    expect(ndx).toHaveLength(100);
    for (const s of ndx) expect(s.exchange).toBe("XNAS");
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
    expect(median(sp.map((s) => s.marketCap!))).toBeGreaterThan(10e9);
  });

  it("uses the 11 GICS sectors with SIC codes that match the industry", () => {
    expect(new Set(symbols.map((s) => s.sector)).size).toBe(11);
    const industries = new Map(SECTORS.flatMap((sec) => sec.industries.map((i) => [i.industry, { ...i, sector: sec.name }])));
    const mismatched = symbols.filter((s) => {
      const i = industries.get(s.industry);
      return i?.sector !== s.sector || i.sicCode !== s.sicCode || i.sicDescription !== s.sicDescription;
    });
    expect(mismatched).toEqual([]);
    const text = symbols.map((s) => `${s.name} ${s.industry} ${s.sicDescription}`.toLowerCase()).join("\n");
    for (const term of ["software", "semiconductor", "biotech", "pharmaceutical preparations", "electric services", "solar", "renewable", "bank", "payments", "financial services", "blockchain", "crypto"]) {
      expect(text, term).toContain(term);
    }
  });

  it("has IPOs in every 90-day window of 2024–2026", async () => {
    const all = await shared.listSymbols("2027-12-31");
    const ipoDays = all.map((s) => dayNumber(s.listDate!)).filter((d) => d >= dayNumber("2024-01-01")).sort((a, b) => a - b);
    for (let start = dayNumber("2024-01-01"); start + 90 <= dayNumber("2027-01-01"); start++) {
      expect(ipoDays.some((d) => d >= start && d < start + 90), `window from day ${start}`).toBe(true);
    }
  });

  it("marks delisted symbols inactive with their delisting date, and only once it has passed", async () => {
    const late = await shared.listSymbols("2027-12-31");
    const gone = late.filter((s) => !s.active);
    expect(gone.length).toBeGreaterThan(100);
    for (const s of gone) {
      expect(s.delistedDate! <= "2027-12-31").toBe(true);
      expect(s.marketCap).toBeNull();
    }
    const s = gone.find((g) => g.delistedDate! > asOf)!;
    const before = symbols.find((x) => x.symbol === s.symbol)!;
    expect([before.active, before.delistedDate]).toEqual([true, null]);
  });

  it("gives list dates from decades ago to recent IPOs", () => {
    const years = symbols.map((s) => Number(s.listDate!.slice(0, 4)));
    expect(Math.min(...years)).toBeLessThan(1985);
    expect(years.filter((y) => y >= 2024).length).toBeGreaterThan(10);
  });
});
