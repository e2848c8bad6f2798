// The analytics computation core: every indicator over a symbol's whole series (Phase 3), the
// patterns on one bar (Phase 4), and the check that a series is fit for either. Pure functions
// over typed arrays: no I/O, no clock.
import { Buffer } from "node:buffer";
import { dmi } from "./indicators/adx.ts";
import { atr } from "./indicators/atr.ts";
import { bbands } from "./indicators/bbands.ts";
import { cci } from "./indicators/cci.ts";
import { macd } from "./indicators/macd.ts";
import { mfi } from "./indicators/mfi.ts";
import { ema, sma } from "./indicators/moving-averages.ts";
import { obv } from "./indicators/obv.ts";
import { roc } from "./indicators/roc.ts";
import { rsi } from "./indicators/rsi.ts";
import { stoch } from "./indicators/stoch.ts";
import type { BarSeries } from "./indicators/types.ts";
import { willr } from "./indicators/willr.ts";
import { CANDLE_PATTERNS, DOJI, candlePatternAt } from "./patterns/candlesticks.ts";
import { SIGNAL_PATTERN_NAMES, detectSignals } from "./patterns/signals.ts";
import type { Detection, PatternConfig } from "./patterns/types.ts";

export type { BarSeries } from "./indicators/types.ts";
export { DEFAULT_PATTERN_CONFIG } from "./patterns/types.ts";
export type { Detection, Direction, PatternConfig } from "./patterns/types.ts";

/**
 * What computeIndicators answers, in this order, with TA-Lib's parameters: SMA 20/50/200,
 * EMA 12/26, RSI 14, MACD 12/26/9, Bollinger Bands 20/2, ATR 14, slow Stochastic 14/3/3, ADX 14
 * with its +DI/-DI, OBV, Williams %R 14, CCI 14, MFI 14, ROC 10.
 */
export const INDICATOR_NAMES: readonly string[] = [
  "sma_20",
  "sma_50",
  "sma_200",
  "ema_12",
  "ema_26",
  "rsi_14",
  "macd",
  "macd_signal",
  "macd_hist",
  "bb_upper",
  "bb_middle",
  "bb_lower",
  "atr_14",
  "stoch_k",
  "stoch_d",
  "adx_14",
  "plus_di_14",
  "minus_di_14",
  "obv",
  "willr_14",
  "cci_14",
  "mfi_14",
  "roc_10",
];

/**
 * Every indicator over the whole series; NaN where TA-Lib has no value (inside a lookback).
 *
 * Speed: the outputs are views of one block allocated once per call, and the block is not
 * zero-filled (Buffer.allocUnsafeSlow), because allocating typed arrays costs more than the
 * arithmetic here (23 separate zeroed arrays took about half the time). That is safe because
 * every indicator writes every index of its output: NaN over its lookback, values after; the
 * TA-Lib comparison tests check each index of each output.
 */
export function computeIndicators(bars: BarSeries): Record<string, Float64Array> {
  const n = bars.close.length;
  const bytes = Buffer.allocUnsafeSlow(INDICATOR_NAMES.length * n * Float64Array.BYTES_PER_ELEMENT);
  return computeIndicatorsInto(bars, new Float64Array(bytes.buffer, bytes.byteOffset, INDICATOR_NAMES.length * n));
}

/**
 * computeIndicators into the caller's block (at least INDICATOR_NAMES.length × n doubles, any
 * contents): the outputs are views of it, valid until the block is reused. For loops over
 * thousands of series (a phase's worker), where a fresh block per series is mostly garbage
 * collection.
 */
export function computeIndicatorsInto(bars: BarSeries, block: Float64Array): Record<string, Float64Array> {
  const { high, low, close, volume } = bars;
  const n = close.length;
  if (block.length < INDICATOR_NAMES.length * n) throw new RangeError(`block of ${block.length} doubles for ${n} bars`);
  const b = block;
  const sma20 = sma(close, 20, part(b, 0, n));
  const sma50 = sma(close, 50, part(b, 1, n));
  const sma200 = sma(close, 200, part(b, 2, n));
  const ema12 = ema(close, 12, part(b, 3, n));
  const ema26 = ema(close, 26, part(b, 4, n));
  const rsi14 = rsi(close, 14, part(b, 5, n));
  const m = macd(close, 12, 26, 9, { macd: part(b, 6, n), signal: part(b, 7, n), histogram: part(b, 8, n) });
  const bb = bbands(close, 20, 2, { upper: part(b, 9, n), middle: part(b, 10, n), lower: part(b, 11, n) });
  const atr14 = atr(high, low, close, 14, part(b, 12, n));
  const st = stoch(high, low, close, 14, 3, 3, { k: part(b, 13, n), d: part(b, 14, n) });
  const dm = dmi(high, low, close, 14, { adx: part(b, 15, n), plusDi: part(b, 16, n), minusDi: part(b, 17, n) });
  return {
    sma_20: sma20,
    sma_50: sma50,
    sma_200: sma200,
    ema_12: ema12,
    ema_26: ema26,
    rsi_14: rsi14,
    macd: m.macd,
    macd_signal: m.signal,
    macd_hist: m.histogram,
    bb_upper: bb.upper,
    bb_middle: bb.middle,
    bb_lower: bb.lower,
    atr_14: atr14,
    stoch_k: st.k,
    stoch_d: st.d,
    adx_14: dm.adx,
    plus_di_14: dm.plusDi,
    minus_di_14: dm.minusDi,
    obv: obv(close, volume, part(b, 18, n)),
    willr_14: willr(high, low, close, 14, part(b, 19, n)),
    cci_14: cci(high, low, close, 14, part(b, 20, n)),
    mfi_14: mfi(high, low, close, volume, 14, part(b, 21, n)),
    roc_10: roc(close, 10, part(b, 22, n)),
  };
}

/**
 * The indicators detectSignals reads (patterns/signals.ts): SMA 50/200, RSI 14, MACD 12/26/9,
 * Bollinger Bands 20/2 and ATR 14, each the same series computeIndicators answers.
 */
export const SIGNAL_INPUT_NAMES: readonly string[] = ["sma_50", "sma_200", "rsi_14", "macd", "macd_signal", "macd_hist", "bb_upper", "bb_middle", "bb_lower", "atr_14"];

/**
 * Only the SIGNAL_INPUT_NAMES series, into the caller's block (at least
 * SIGNAL_INPUT_NAMES.length × n doubles): the patterns phase needs no other indicator, and the
 * others (Stochastic, ADX, CCI, MFI, Williams %R …) are most of the arithmetic.
 */
export function computeSignalInputsInto(bars: BarSeries, block: Float64Array): Record<string, Float64Array> {
  const { high, low, close } = bars;
  const n = close.length;
  if (block.length < SIGNAL_INPUT_NAMES.length * n) throw new RangeError(`block of ${block.length} doubles for ${n} bars`);
  const b = block;
  const m = macd(close, 12, 26, 9, { macd: part(b, 3, n), signal: part(b, 4, n), histogram: part(b, 5, n) });
  const bb = bbands(close, 20, 2, { upper: part(b, 6, n), middle: part(b, 7, n), lower: part(b, 8, n) });
  return {
    sma_50: sma(close, 50, part(b, 0, n)),
    sma_200: sma(close, 200, part(b, 1, n)),
    rsi_14: rsi(close, 14, part(b, 2, n)),
    macd: m.macd,
    macd_signal: m.signal,
    macd_hist: m.histogram,
    bb_upper: bb.upper,
    bb_middle: bb.middle,
    bb_lower: bb.lower,
    atr_14: atr(high, low, close, 14, part(b, 9, n)),
  };
}

/** The k-th n-long slice of a block (a view, no copy). */
function part(block: Float64Array, k: number, n: number): Float64Array {
  return block.subarray(k * n, (k + 1) * n);
}

/** The values on bar i, leaving out the indicators that have none there (NaN). */
export function indicatorValuesAt(series: Record<string, Float64Array>, i: number): Record<string, number> {
  const values: Record<string, number> = {};
  for (const name in series) {
    const v = series[name][i];
    if (v === v && v !== undefined) values[name] = v;
  }
  return values;
}

/** Every pattern name detectPatterns can answer. */
export const PATTERN_NAMES: readonly string[] = [...CANDLE_PATTERNS.map((p) => p.name), ...SIGNAL_PATTERN_NAMES];

/**
 * The patterns on bar i. Candlesticks are TA-Lib's CDL functions asked about bar i alone
 * (TA_CDLxxx(i, i)); their direction is the sign of TA-Lib's answer (doji: neutral) and their
 * confidence |answer| / 100: 1.0 for a full pattern, 0.8 for ENGULFING's and HARAMI's
 * "one end matches" variant. Signal patterns and their confidences: patterns/signals.ts.
 */
export function detectPatterns(
  bars: BarSeries,
  indicators: Record<string, Float64Array>,
  i: number,
  config: PatternConfig,
): Detection[] {
  const found: Detection[] = [];
  for (const p of CANDLE_PATTERNS) {
    const v = candlePatternAt(p, bars, i);
    if (v === 0) continue;
    const direction = p === DOJI ? "neutral" : v > 0 ? "bullish" : "bearish";
    found.push({ pattern: p.name, direction, confidence: Math.abs(v) / 100 });
  }
  detectSignals(bars, indicators, i, config, found);
  return found;
}

/**
 * Fewest bars a usable series has: 34 is the first length at which the last bar has every
 * indicator but SMA 50/200 (MACD's signal line, lookback 33, comes last) and every candlestick
 * pattern (lookbacks <= 13) can answer.
 */
export const MIN_BARS = 34;
/** Longest calendar-day hole between two bars of sound data: longer means missing bars. */
export const MAX_GAP_DAYS = 10;

/**
 * Whether a series is fit for computing: at least MIN_BARS bars, columns of equal length, finite
 * prices and volumes, high >= low, volume >= 0, days strictly increasing with no hole over
 * MAX_GAP_DAYS. The reason names the first problem found, with its bar index.
 */
export function validateSeries(bars: BarSeries): { ok: true } | { ok: false; reason: string } {
  const { day, open, high, low, close, volume } = bars;
  const n = close.length;
  if (day.length !== n || open.length !== n || high.length !== n || low.length !== n || volume.length !== n) {
    return { ok: false, reason: "columns of different lengths" };
  }
  if (n < MIN_BARS) return { ok: false, reason: `too short: ${n} bars, need at least ${MIN_BARS}` };
  for (let i = 0; i < n; i++) {
    if (
      !Number.isFinite(open[i]) ||
      !Number.isFinite(high[i]) ||
      !Number.isFinite(low[i]) ||
      !Number.isFinite(close[i]) ||
      !Number.isFinite(volume[i])
    ) {
      return { ok: false, reason: `non-finite value at bar ${i}` };
    }
    if (high[i] < low[i]) return { ok: false, reason: `high below low at bar ${i}` };
    if (volume[i] < 0) return { ok: false, reason: `negative volume at bar ${i}` };
    if (i > 0) {
      const step = day[i] - day[i - 1];
      if (step <= 0) return { ok: false, reason: `days not strictly increasing at bar ${i}` };
      if (step > MAX_GAP_DAYS) return { ok: false, reason: `gap of ${step} days before bar ${i}` };
    }
  }
  return { ok: true };
}
