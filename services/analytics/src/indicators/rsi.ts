// Relative Strength Index. TA-Lib ta_RSI.c, classic (non-Metastock) compatibility, unstable
// period 0: Wilder's average gain and loss seeded with the plain averages of the first `period`
// changes, then smoothed as avg = (avg * (period-1) + change) / period. Lookback = period; the
// first value is at index period. A window with neither gains nor losses (a flat series) is 0,
// as TA-Lib answers when gain + loss is below 1e-14.
import { checkPeriod, outputFor } from "./types.ts";

const TA_EPSILON = 1e-14;

export function rsi(close: Float64Array, period: number, into?: Float64Array): Float64Array {
  checkPeriod("rsi", period, 2);
  const n = close.length;
  const out = outputFor(into, n, period);
  if (n <= period) return out;
  let gain = 0;
  let loss = 0;
  let prevValue = close[0];
  for (let i = 1; i <= period; i++) {
    const change = close[i] - prevValue;
    prevValue = close[i];
    if (change < 0) loss -= change;
    else gain += change;
  }
  loss /= period;
  gain /= period;
  out[period] = ratio(gain, loss);
  const keep = period - 1;
  for (let i = period + 1; i < n; i++) {
    const change = close[i] - prevValue;
    prevValue = close[i];
    loss *= keep;
    gain *= keep;
    if (change < 0) loss -= change;
    else gain += change;
    loss /= period;
    gain /= period;
    out[i] = ratio(gain, loss);
  }
  return out;
}

function ratio(gain: number, loss: number): number {
  const total = gain + loss;
  return total > -TA_EPSILON && total < TA_EPSILON ? 0 : 100 * (gain / total);
}
