// Williams' %R. TA-Lib ta_WILLR.c: -100 * (highest high - close) / (highest high - lowest low)
// over the last `period` bars, in [-100, 0]; 0 when the range is 0. Lookback period-1.
import { checkPeriod, outputFor } from "./types.ts";

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
  // Window extremes are rescanned only when one leaves the window, as in TA-Lib.
  let lowestIdx = -1;
  let highestIdx = -1;
  let lowest = 0;
  let highest = 0;
  for (let today = period - 1, trailing = 0; today < n; today++, trailing++) {
    if (lowestIdx < trailing) {
      lowestIdx = trailing;
      lowest = low[trailing];
      for (let i = trailing + 1; i <= today; i++) {
        if (low[i] < lowest) {
          lowestIdx = i;
          lowest = low[i];
        }
      }
    } else if (low[today] <= lowest) {
      lowestIdx = today;
      lowest = low[today];
    }
    if (highestIdx < trailing) {
      highestIdx = trailing;
      highest = high[trailing];
      for (let i = trailing + 1; i <= today; i++) {
        if (high[i] > highest) {
          highestIdx = i;
          highest = high[i];
        }
      }
    } else if (high[today] >= highest) {
      highestIdx = today;
      highest = high[today];
    }
    const diff = (highest - lowest) / -100;
    out[today] = diff !== 0 ? (highest - close[today]) / diff : 0;
  }
  return out;
}
