// Slow stochastic. TA-Lib ta_STOCH.c with both MATypes SMA (TA-Lib's default).
import { smaInto } from "./moving-averages.ts";
import { checkPeriod, fillNaN, outputFor } from "./types.ts";
import { WindowExtremes } from "./window-extremes.ts";

export interface StochResult {
  /** Slow %K: the SMA(slowK) of fast %K. */
  k: Float64Array;
  /** Slow %D: the SMA(slowD) of slow %K. */
  d: Float64Array;
}

/**
 * Fast %K = 100 * (close - lowest low) / (highest high - lowest low) over the last fastK bars
 * (0 when the range is 0); slow %K = SMA(slowK) of it; %D = SMA(slowD) of slow %K. As in TA-Lib,
 * both outputs start at (fastK-1) + (slowK-1) + (slowD-1), 17 for 14/3/3, even though %K alone
 * could start earlier.
 */
export function stoch(
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  fastK: number,
  slowK: number,
  slowD: number,
  into?: StochResult,
): StochResult {
  checkPeriod("stoch fastK", fastK, 1);
  checkPeriod("stoch slowK", slowK, 1);
  checkPeriod("stoch slowD", slowD, 1);
  const n = close.length;
  const lookback = fastK - 1 + (slowK - 1) + (slowD - 1);
  const k = outputFor(into?.k, n, lookback);
  const d = outputFor(into?.d, n, lookback);
  if (n <= lookback) return { k, d };
  // Fast %K goes into d for a while: slow %K is complete before %D overwrites it. TA-Lib smooths
  // its fast %K buffer from the buffer's first value (bar fastK-1), then %D from the first slow
  // %K; the heads that TA-Lib does not output are blanked afterwards.
  fastStochKInto(high, low, close, fastK, d);
  smaInto(d, slowK, fastK - 1, k);
  smaInto(k, slowD, fastK - 1 + slowK - 1, d);
  fillNaN(k, 0, lookback);
  fillNaN(d, 0, lookback);
  return { k, d };
}

/**
 * Fast %K into out[period-1 ..]: 100 * (close - lowest low) / (highest high - lowest low) over the
 * window (window-extremes.ts), 0 when the range is 0.
 */
export function fastStochKInto(
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  period: number,
  out: Float64Array,
): void {
  const window = new WindowExtremes(high, low);
  for (let today = period - 1, trailing = 0; today < close.length; today++, trailing++) {
    window.advance(trailing, today);
    const diff = (window.highest - window.lowest) / 100;
    out[today] = diff !== 0 ? (close[today] - window.lowest) / diff : 0;
  }
}
