// The synthetic market's reference data: who the N symbols are, when they list and delist, how
// big they are, and the parameters of their price paths. Built once per (seed, N), in order,
// from one seeded generator; the prices themselves are in synthetic-prices.ts.
import {
  dateFromDayNumber,
  dayNumber,
  isTradingDay,
  nextTradingDay,
  type CalendarOptions,
} from "@tickstock/common/trading-calendar.ts";
import { allocatePriceParams, closesOn, SINE_PERIODS_DAYS, type PriceParams } from "./synthetic-prices.ts";
import { createRng, entityKey, shuffledIndices, type Rng } from "./synthetic-random.ts";
import { CORPORATE_SUFFIXES, NAME_ROOTS, NAME_SECOND, SECTORS, type Industry } from "./synthetic-industries.ts";

/** Market-cap bands of CONTRACT §4 (plus "nano" below $50M), with the share of symbols in each. */
const BANDS = [
  { name: "mega", share: 0.004, cap: [260e9, 3.4e12], price: [80, 900], sigma: 0.013 },
  { name: "large", share: 0.12, cap: [10e9, 130e9], price: [25, 600], sigma: 0.016 },
  { name: "mid", share: 0.16, cap: [2e9, 10e9], price: [12, 300], sigma: 0.02 },
  { name: "small", share: 0.3, cap: [300e6, 2e9], price: [4, 120], sigma: 0.026 },
  { name: "micro", share: 0.38, cap: [50e6, 300e6], price: [1.5, 40], sigma: 0.034 },
  { name: "nano", share: 0.036, cap: [8e6, 45e6], price: [0.6, 10], sigma: 0.045 },
] as const;
const MEGA = 0;
const SMALL = 3;

/** Market caps are calibrated on this day: shares = target cap / close that day. */
export const REFERENCE_DATE = "2024-01-02";
const IPO_FROM = "2020-01-01";
const IPO_TO = "2027-12-31";
const IPO_SHARE = 0.12;
const DELISTED_SHARE = 0.04;
export const NEVER = 2 ** 31 - 1;

export interface SyntheticSymbol {
  symbol: string;
  name: string;
  sector: string;
  industry: string;
  sicCode: string;
  sicDescription: string;
  exchange: "XNYS" | "XNAS" | "ARCX";
  sp500: boolean;
  nasdaq100: boolean;
  listDate: string;
  /** First trading day without a bar; null while listed. */
  delistedDate: string | null;
}

export interface SyntheticMarket {
  symbols: SyntheticSymbol[];
  /** Day numbers: bars exist on trading days t with listDay[i] <= t < delistDay[i]. */
  listDay: Int32Array;
  delistDay: Int32Array;
  shares: Float64Array;
  prices: PriceParams;
}

export function buildSyntheticMarket(seed: number, count: number, calendar?: CalendarOptions): SyntheticMarket {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`synthetic seed must be an integer: ${seed}`);
  if (!Number.isInteger(count) || count < 1 || count > 200_000) throw new RangeError(`synthetic symbols must be 1..200000: ${count}`);
  const rng = createRng(seed);
  const band = assignBands(count, rng);
  const prices = allocatePriceParams(count, dayNumber(REFERENCE_DATE), SECTORS.length);
  const targetCap = new Float64Array(count);
  const usedTickers = new Set<string>();
  const symbols: SyntheticSymbol[] = [];
  for (let i = 0; i < count; i++) {
    const b = BANDS[band[i]];
    targetCap[i] = rng.logBetween(b.cap[0], b.cap[1]);
    const sectorIndex = weightedIndex(rng, SECTORS.map((s) => s.weight));
    const sector = SECTORS[sectorIndex];
    const industry = sector.industries[weightedIndex(rng, sector.industries.map((x) => x.weight))];
    const exchange = pickExchange(rng, band[i]);
    const { name, root } = companyName(rng, industry);
    symbols.push({
      symbol: uniqueTicker(rng, root, exchange, usedTickers),
      name,
      sector: sector.name,
      industry: industry.industry,
      sicCode: industry.sicCode,
      sicDescription: industry.sicDescription,
      exchange,
      sp500: false,
      nasdaq100: false,
      listDate: "",
      delistedDate: null,
    });
    setPriceParams(prices, i, seed, rng, b, sectorIndex);
  }
  for (let f = 0; f < prices.factorKeys.length; f++) prices.factorKeys[f] = entityKey(seed, -1 - f) | 0;

  const { listDay, delistDay } = assignLifetimes(symbols, band, rng, calendar);
  flagIndexMembers(symbols, targetCap, listDay, delistDay);
  const shares = calibrateShares(prices, targetCap, rng);
  return { symbols, listDay, delistDay, shares, prices };
}

function assignBands(count: number, rng: Rng): Uint8Array {
  const band = new Uint8Array(count).fill(4); // micro takes the rounding remainder
  const order = shuffledIndices(count, rng);
  let next = 0;
  BANDS.forEach((b, index) => {
    if (b.name === "micro") return;
    const n = b.name === "mega" ? Math.max(1, Math.round(b.share * count)) : Math.round(b.share * count);
    for (let k = 0; k < n && next < count; k++) band[order[next++]] = index;
  });
  return band;
}

function setPriceParams(p: PriceParams, i: number, seed: number, rng: Rng, b: (typeof BANDS)[number], sector: number): void {
  const sigma = b.sigma * rng.between(0.7, 1.35);
  p.key[i] = entityKey(seed, i) | 0;
  p.level[i] = Math.log(rng.logBetween(b.price[0], b.price[1]));
  p.drift[i] = rng.between(-0.05, 0.1);
  p.sigma[i] = sigma;
  p.beta[i] = rng.between(0.5, 1.6);
  p.sector[i] = sector;
  p.sine1[i] = rng.int(0, SINE_PERIODS_DAYS.length - 1);
  p.sine2[i] = rng.int(0, SINE_PERIODS_DAYS.length - 1);
  // Amplitude grows with the period (√P), so short cycles do not dominate daily moves.
  const amp1 = sigma * rng.between(1, 3.5) * Math.sqrt(SINE_PERIODS_DAYS[p.sine1[i]] / 120);
  const phase1 = rng.between(0, 2 * Math.PI);
  const amp2 = sigma * rng.between(0.5, 2) * Math.sqrt(SINE_PERIODS_DAYS[p.sine2[i]] / 120);
  const phase2 = rng.between(0, 2 * Math.PI);
  p.sineCos1[i] = amp1 * Math.cos(phase1);
  p.sineSin1[i] = amp1 * Math.sin(phase1);
  p.sineCos2[i] = amp2 * Math.cos(phase2);
  p.sineSin2[i] = amp2 * Math.sin(phase2);
}

/**
 * List dates: IPO_SHARE of the symbols list between 2020 and 2027, spread evenly (one IPO per
 * span/K days, jittered), so every 90-day window of those years has IPOs once N is a few
 * hundred; the rest listed between 1975 and 2019. DELISTED_SHARE of the older small symbols
 * delist between 2019 and 2026, again spread evenly.
 */
function assignLifetimes(symbols: SyntheticSymbol[], band: Uint8Array, rng: Rng, calendar?: CalendarOptions) {
  const count = symbols.length;
  const listDay = new Int32Array(count);
  const delistDay = new Int32Array(count).fill(NEVER);
  const order = shuffledIndices(count, rng);
  const ipos: number[] = [];
  const delisted: number[] = [];
  const ipoTarget = Math.round(IPO_SHARE * count);
  const delistTarget = Math.round(DELISTED_SHARE * count);
  for (const i of order) {
    if (band[i] === MEGA) continue;
    if (ipos.length < ipoTarget) ipos.push(i);
    else if (band[i] >= SMALL && delisted.length < delistTarget) delisted.push(i);
  }
  const isIpo = new Uint8Array(count);
  spreadDays(ipos.length, IPO_FROM, IPO_TO, rng).forEach((day, k) => {
    listDay[ipos[k]] = tradingDayOnOrAfter(day, calendar);
    isIpo[ipos[k]] = 1;
  });
  const [megaFrom, megaTo] = [dayNumber("1975-01-01"), dayNumber("2005-12-31")];
  const [from, to] = [dayNumber("1978-01-01"), dayNumber("2019-12-31")];
  for (let i = 0; i < count; i++) {
    if (isIpo[i]) continue;
    const day = band[i] === MEGA ? rng.int(megaFrom, megaTo) : rng.int(from, to);
    listDay[i] = tradingDayOnOrAfter(day, calendar);
  }
  spreadDays(delisted.length, "2019-01-01", "2026-12-31", rng).forEach((day, k) => {
    const i = delisted[k];
    delistDay[i] = tradingDayOnOrAfter(Math.max(day, listDay[i] + 180), calendar);
  });
  for (let i = 0; i < count; i++) {
    symbols[i].listDate = dateFromDayNumber(listDay[i]);
    symbols[i].delistedDate = delistDay[i] === NEVER ? null : dateFromDayNumber(delistDay[i]);
  }
  return { listDay, delistDay };
}

/** n day numbers, one in each of n equal slices of [from, to], in ascending order. */
function spreadDays(n: number, from: string, to: string, rng: Rng): number[] {
  const start = dayNumber(from);
  const span = dayNumber(to) - start + 1;
  return Array.from({ length: n }, (_, k) => start + Math.floor(((k + rng.next()) * span) / n));
}

function tradingDayOnOrAfter(day: number, calendar?: CalendarOptions): number {
  const weekday = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
  if (weekday === 6) day += 2;
  else if (weekday === 0) day += 1;
  const date = dateFromDayNumber(day);
  return isTradingDay(date, calendar) ? day : dayNumber(nextTradingDay(date, calendar));
}

/**
 * S&P 500: the largest listed common stocks (by calibrated cap) that trade through the whole
 * 2020s (listed before 2020, never delisted); NASDAQ-100: the largest such XNAS non-financials.
 * Scaled down for small markets (N/10 and N/50).
 */
function flagIndexMembers(symbols: SyntheticSymbol[], cap: Float64Array, listDay: Int32Array, delistDay: Int32Array): void {
  const cutoff = dayNumber(IPO_FROM);
  const eligible = symbols
    .map((_, i) => i)
    .filter((i) => listDay[i] < cutoff && delistDay[i] === NEVER && symbols[i].exchange !== "ARCX")
    .sort((a, b) => cap[b] - cap[a]);
  const sp500 = Math.min(500, Math.round(symbols.length / 10));
  for (const i of eligible.slice(0, sp500)) symbols[i].sp500 = true;
  const nasdaq100 = Math.min(100, Math.round(symbols.length / 50));
  const nasdaq = eligible.filter((i) => symbols[i].exchange === "XNAS" && symbols[i].sector !== "Financials");
  for (const i of nasdaq.slice(0, nasdaq100)) symbols[i].nasdaq100 = true;
}

/** Shares outstanding so that cap = target on the reference day; volume base from turnover. */
function calibrateShares(prices: PriceParams, targetCap: Float64Array, rng: Rng): Float64Array {
  const closes = closesOn(prices, prices.refDay);
  const shares = new Float64Array(prices.count);
  for (let i = 0; i < prices.count; i++) {
    shares[i] = Math.max(1000, Math.round(targetCap[i] / closes[i]));
    prices.volumeBase[i] = shares[i] * rng.logBetween(0.002, 0.015);
  }
  return shares;
}

function weightedIndex(rng: Rng, weights: readonly number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let x = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    x -= weights[i];
    if (x < 0) return i;
  }
  return weights.length - 1;
}

function pickExchange(rng: Rng, band: number): SyntheticSymbol["exchange"] {
  const x = rng.next();
  if (x < 0.03) return "ARCX";
  return x < (band <= 1 ? 0.5 : 0.4) ? "XNYS" : "XNAS";
}

function companyName(rng: Rng, industry: Industry): { name: string; root: string } {
  const root = rng.pick(NAME_ROOTS) + rng.pick(NAME_SECOND);
  const name = `${root} ${rng.pick(industry.nouns)} ${rng.pick(CORPORATE_SUFFIXES)}`;
  return { name, root };
}

/**
 * A ticker from the name: NYSE tickers of 1–3 letters, NASDAQ of 4, a few NYSE class-B shares
 * ("XYZ.B"); on a clash, letters of the name and then random letters are tried.
 */
function uniqueTicker(rng: Rng, root: string, exchange: string, used: Set<string>): string {
  const letters = root.toUpperCase().replace(/[^A-Z]/g, "");
  const length = exchange === "XNAS" ? 4 : rng.int(2, 3);
  const candidate = (k: number) => {
    if (k === 0) return letters.slice(0, length);
    if (k === 1) return letters[0] + letters.slice(2, 1 + length);
    if (k < 40) return letters[0] + randomLetters(rng, Math.min(4, length - 1 + Math.floor(k / 8)));
    return `${letters.slice(0, 3)}${randomLetters(rng, 2)}${k}`;
  };
  for (let k = 0; ; k++) {
    const base = candidate(k);
    const ticker = exchange === "XNYS" && rng.chance(0.004) ? `${base}.B` : base;
    if (!used.has(ticker)) {
      used.add(ticker);
      return ticker;
    }
  }
}

function randomLetters(rng: Rng, n: number): string {
  let s = "";
  for (let k = 0; k < n; k++) s += String.fromCharCode(65 + Math.floor(rng.next() * 26));
  return s;
}
