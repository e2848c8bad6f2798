// Average True Range. TA-Lib ta_ATR.c over ta_TRANGE.c, unstable period 0.
import { checkPeriod, outputFor } from "./types.ts";

/**
 * True range of bar i >= 1 (ta_TRANGE.c): the greatest of high-low, |prevClose-high| and
 * |prevClose-low|. TA-Lib gives bar 0 no true range at all.
 */
export function trueRangeAt(high: Float64Array, low: Float64Array, close: Float64Array, i: number): number {
  const h = high[i];
  const l = low[i];
  const prevClose = close[i - 1];
  let greatest = h - l;
  const up = Math.abs(prevClose - h);
  if (up > greatest) greatest = up;
  const down = Math.abs(prevClose - l);
  if (down > greatest) greatest = down;
  return greatest;
}

/**
 * Wilder's ATR: the first value, at index `period` (lookback 14 for ATR 14), is the plain average
 * of the true ranges of bars 1..period; then atr = (atr * (period-1) + tr) / period.
 */
export function atr(
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  period: number,
  into?: Float64Array,
): Float64Array {
  checkPeriod("atr", period, 1);
  const n = close.length;
  const out = outputFor(into, n, period);
  if (n <= period) return out;
  if (period === 1) {
    for (let i = 1; i < n; i++) out[i] = trueRangeAt(high, low, close, i);
    return out;
  }
  let sum = 0;
  for (let i = 1; i <= period; i++) sum += trueRangeAt(high, low, close, i);
  let prev = sum / period;
  out[period] = prev;
  const keep = period - 1;
  for (let i = period + 1; i < n; i++) {
    prev *= keep;
    prev += trueRangeAt(high, low, close, i);
    prev /= period;
    out[i] = prev;
  }
  return out;
}
