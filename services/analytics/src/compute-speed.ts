// Throughput of the pure computation, for the benchmark harness: no I/O, just computeIndicators
// over each symbol's whole series and detectPatterns on its last bar, which is what the two
// phases compute for a run date. Generating the bars is not timed.
import { DEFAULT_PATTERN_CONFIG, computeIndicators, detectPatterns } from "./compute.ts";
import type { BarSeries } from "./indicators/types.ts";

/** Distinct series generated at most; more symbols cycle through them. */
const MAX_DISTINCT_SERIES = 500;
const FIRST_DAY = 19_724; // 2024-01-02
const WARM_UP_MS = 1500;

/** mulberry32: a tiny deterministic PRNG, uniform in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A deterministic daily series: a random walk in cents (2% daily moves, opens often at the prior
 * close), candles with random shadows, volumes around a million with occasional spikes, one bar
 * per weekday. The same (days, seed) always gives the same bars.
 */
export function generateBars(days: number, seed: number): BarSeries {
  const rnd = prng(seed);
  const bars: BarSeries = {
    day: new Int32Array(days),
    open: new Float64Array(days),
    high: new Float64Array(days),
    low: new Float64Array(days),
    close: new Float64Array(days),
    volume: new Float64Array(days),
  };
  const cents = (x: number): number => Math.round(x * 100) / 100;
  let prevClose = 20 + rnd() * 200;
  let day = FIRST_DAY;
  for (let i = 0; i < days; i++) {
    while ((day + 4) % 7 === 0 || (day + 4) % 7 === 6) day++; // skip weekends
    const open = cents(rnd() < 0.35 ? prevClose : prevClose * (1 + (rnd() - 0.5) * 0.01));
    const close = cents(open * (1 + (rnd() - 0.5) * 0.04));
    bars.day[i] = day++;
    bars.open[i] = open;
    bars.close[i] = close;
    bars.high[i] = cents(Math.max(open, close) * (1 + rnd() * 0.015));
    bars.low[i] = cents(Math.min(open, close) * (1 - rnd() * 0.015));
    bars.volume[i] = Math.round(1_000_000 * (0.5 + rnd()) * (rnd() < 0.05 ? 4 : 1));
    prevClose = close;
  }
  return bars;
}

/**
 * Times computeIndicators + detectPatterns (on the last bar) for `symbols` series of `days` bars
 * on this thread. barsPerSecond counts input bars; valuesPerSecond counts the indicator values
 * produced (non-NaN outputs, each one "indicator calculated").
 */
export function measureComputeThroughput(symbols: number, days: number): { barsPerSecond: number; valuesPerSecond: number } {
  if (!Number.isInteger(symbols) || symbols < 1 || !Number.isInteger(days) || days < 1) {
    throw new RangeError(`symbols and days must be positive integers, got ${symbols} and ${days}`);
  }
  const pool = Array.from({ length: Math.min(symbols, MAX_DISTINCT_SERIES) }, (_, s) => generateBars(days, s + 1));
  // Values exist outside the lookbacks, which depend on the length only: count them once.
  const valuesPerSeries = countValues(computeIndicators(pool[0]));

  // Warm up first (V8 reaches its optimizing tier, and its heap its working size, only after
  // many calls), so the timing sees the steady state a phase over thousands of symbols runs in:
  // WARM_UP_MS, or 20 rounds of the symbols when that is sooner.
  const warmUntil = performance.now() + WARM_UP_MS;
  for (let s = 0; s < 20 * symbols && performance.now() < warmUntil; s++) {
    const bars = pool[s % pool.length];
    detectPatterns(bars, computeIndicators(bars), days - 1, DEFAULT_PATTERN_CONFIG);
  }

  let sink = 0;
  const start = performance.now();
  for (let s = 0; s < symbols; s++) {
    const bars = pool[s % pool.length];
    const indicators = computeIndicators(bars);
    sink += detectPatterns(bars, indicators, days - 1, DEFAULT_PATTERN_CONFIG).length;
    sink += indicators.obv[days - 1];
  }
  const seconds = (performance.now() - start) / 1000;
  if (Number.isNaN(sink)) throw new Error("unreachable: keeps the timed work observable");

  return { barsPerSecond: (symbols * days) / seconds, valuesPerSecond: (symbols * valuesPerSeries) / seconds };
}

function countValues(series: Record<string, Float64Array>): number {
  let count = 0;
  for (const name in series) {
    const values = series[name];
    for (let i = 0; i < values.length; i++) if (values[i] === values[i]) count++;
  }
  return count;
}
