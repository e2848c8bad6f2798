// Bollinger Bands. TA-Lib ta_BBANDS.c with MAType SMA, whose deviation comes from
// TA_INT_stddev_using_precalc_ma (ta_STDDEV.c): the POPULATION standard deviation
// sqrt(mean(x^2) - sma^2) over the same window, 0 when that variance is below 1e-14.
// Lookback period-1.
import { checkPeriod, outputFor } from "./types.ts";

export interface BbandsResult {
  upper: Float64Array;
  middle: Float64Array;
  lower: Float64Array;
}

const TA_EPSILON = 1e-14;

export function bbands(close: Float64Array, period: number, nbDev: number, into?: BbandsResult): BbandsResult {
  checkPeriod("bbands", period, 2);
  const n = close.length;
  const lookback = period - 1;
  const upper = outputFor(into?.upper, n, lookback);
  const middle = outputFor(into?.middle, n, lookback);
  const lower = outputFor(into?.lower, n, lookback);
  if (n <= lookback) return { upper, middle, lower };
  // Running totals of x and x^2, each in TA-Lib's order: add the newest, read, drop the oldest.
  let total = 0;
  let total2 = 0;
  for (let i = 0; i < lookback; i++) {
    const x = close[i];
    total += x;
    total2 += x * x;
  }
  for (let i = lookback, trailing = 0; i < n; i++, trailing++) {
    const x = close[i];
    total += x;
    const mean = total / period;
    total -= close[trailing];
    total2 += x * x;
    let variance = total2 / period;
    const old = close[trailing];
    total2 -= old * old;
    variance -= mean * mean;
    const deviation = variance < TA_EPSILON ? 0 : Math.sqrt(variance);
    const width = deviation * nbDev;
    middle[i] = mean;
    upper[i] = mean + width;
    lower[i] = mean - width;
  }
  return { upper, middle, lower };
}
