// Commodity Channel Index. TA-Lib ta_CCI.c: typical price tp = (high + low + close) / 3;
// cci = (tp - mean) / (0.015 * mean absolute deviation), both over the last `period` typical
// prices; 0 when either the numerator or the deviation is 0. Lookback period-1.
import { checkPeriod, outputFor, scratchBuffer } from "./types.ts";

const ringSlot: Float64Array[] = [];

export function cci(
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  period: number,
  into?: Float64Array,
): Float64Array {
  checkPeriod("cci", period, 2);
  const n = close.length;
  const out = outputFor(into, n, period - 1);
  if (n < period) return out;
  // TA-Lib keeps the window in a circular buffer and sums it in buffer order (slot 0 first);
  // summing in that same order keeps the rounding identical.
  const ring = scratchBuffer(ringSlot, period);
  let slot = 0;
  for (let i = 0; i < period - 1; i++) {
    ring[slot] = (high[i] + low[i] + close[i]) / 3;
    slot = slot === period - 1 ? 0 : slot + 1;
  }
  for (let i = period - 1; i < n; i++) {
    const last = (high[i] + low[i] + close[i]) / 3;
    ring[slot] = last;
    let average = 0;
    for (let j = 0; j < period; j++) average += ring[j];
    average /= period;
    let deviation = 0;
    for (let j = 0; j < period; j++) deviation += Math.abs(ring[j] - average);
    const distance = last - average;
    out[i] = distance !== 0 && deviation !== 0 ? distance / (0.015 * (deviation / period)) : 0;
    slot = slot === period - 1 ? 0 : slot + 1;
  }
  return out;
}
