// Simple and exponential moving averages, as TA-Lib computes them.
import { checkPeriod, outputFor } from "./types.ts";

/**
 * Simple moving average. TA-Lib ta_SMA.c (TA_INT_SMA): a running total, adding the newest value
 * and then dropping the oldest, in that order (so the rounding matches TA-Lib's). Lookback period-1.
 */
export function sma(values: Float64Array, period: number, into?: Float64Array): Float64Array {
  checkPeriod("sma", period, 2);
  const out = outputFor(into, values.length, period - 1);
  smaInto(values, period, 0, out);
  return out;
}

/**
 * Writes into out[from+period-1 ..] the SMA of values[from ..] (TA_INT_SMA over the values from
 * index `from`), so a line whose head is NaN can be smoothed without copying it.
 */
export function smaInto(values: Float64Array, period: number, from: number, out: Float64Array): void {
  const n = values.length;
  const first = from + period - 1;
  if (first >= n) return;
  let total = 0;
  let i = from;
  for (; i < first; i++) total += values[i];
  for (let trailing = from; i < n; i++, trailing++) {
    total += values[i];
    const sum = total;
    total -= values[trailing];
    out[i] = sum / period;
  }
}

/**
 * Exponential moving average. TA-Lib ta_EMA.c (TA_INT_EMA, default compatibility): seeded at
 * index period-1 with the SMA of the first `period` values, then
 * ema = (value - ema) * k + ema with k = 2 / (period + 1). Lookback period-1; every value
 * depends on the whole history before it.
 */
export function ema(values: Float64Array, period: number, into?: Float64Array): Float64Array {
  checkPeriod("ema", period, 2);
  const out = outputFor(into, values.length, period - 1);
  emaInto(values, period, 0, out);
  return out;
}

/**
 * Writes into out[from+period-1 ..] the EMA of values[from ..] seeded with the SMA of
 * values[from .. from+period-1] (TA_INT_EMA called with startIdx = from + period - 1).
 */
export function emaInto(values: Float64Array, period: number, from: number, out: Float64Array): void {
  const n = values.length;
  const seedEnd = from + period; // exclusive
  if (seedEnd > n) return;
  const k = 2 / (period + 1);
  let sum = 0;
  for (let i = from; i < seedEnd; i++) sum += values[i];
  let prev = sum / period;
  out[seedEnd - 1] = prev;
  for (let i = seedEnd; i < n; i++) {
    prev = (values[i] - prev) * k + prev;
    out[i] = prev;
  }
}
