// Williams' %R. TA-Lib ta_WILLR.c: -100 * (highest high - close) / (highest high - lowest low)
// over the last `period` bars, in [-100, 0]; 0 when the range is 0. Lookback period-1.
import { checkPeriod, outputFor } from "./types.ts";
import { WindowExtremes } from "./window-extremes.ts";

export function willr(
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  period: number,
  into?: Float64Array,
): Float64Array {
  checkPeriod("willr", period, 2);
  const n = close.length;
  const out = outputFor(into, n, period - 1);
  const window = new WindowExtremes(high, low);
  for (let today = period - 1, trailing = 0; today < n; today++, trailing++) {
    window.advance(trailing, today);
    const diff = (window.highest - window.lowest) / -100;
    out[today] = diff !== 0 ? (window.highest - close[today]) / diff : 0;
  }
  return out;
}
