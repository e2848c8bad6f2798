// Money Flow Index. TA-Lib ta_MFI.c, unstable period 0: money flow = typical price * volume,
// positive on a bar whose typical price rose, negative when it fell, neither when unchanged;
// mfi = 100 * positive / (positive + negative) over the last `period` bars, 0 when that total is
// below 1 (e.g. no volume). Lookback = period.
import { checkPeriod, outputFor, scratchBuffer } from "./types.ts";

const flowSlot: Float64Array[] = [];

export function mfi(
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  volume: Float64Array,
  period: number,
  into?: Float64Array,
): Float64Array {
  checkPeriod("mfi", period, 2);
  const n = close.length;
  const out = outputFor(into, n, period);
  if (n <= period) return out;
  // Circular buffers of the window's flows, running sums updated as TA-Lib does (drop the
  // oldest first, then add the newest).
  // flows[slot] is the window's positive flow in that slot, flows[period + slot] its negative.
  const flows = scratchBuffer(flowSlot, 2 * period);
  let positiveSum = 0;
  let negativeSum = 0;
  let prevTypical = (high[0] + low[0] + close[0]) / 3;
  let slot = 0;
  for (let i = 1; i < n; i++) {
    if (i > period) {
      positiveSum -= flows[slot];
      negativeSum -= flows[period + slot];
    }
    const typical = (high[i] + low[i] + close[i]) / 3;
    const change = typical - prevTypical;
    prevTypical = typical;
    const flow = typical * volume[i];
    if (change < 0) {
      flows[period + slot] = flow;
      negativeSum += flow;
      flows[slot] = 0;
    } else if (change > 0) {
      flows[slot] = flow;
      positiveSum += flow;
      flows[period + slot] = 0;
    } else {
      flows[slot] = 0;
      flows[period + slot] = 0;
    }
    slot = slot === period - 1 ? 0 : slot + 1;
    if (i >= period) {
      const total = positiveSum + negativeSum;
      out[i] = total < 1 ? 0 : 100 * (positiveSum / total);
    }
  }
  return out;
}
