// On-Balance Volume. TA-Lib ta_OBV.c: starts at the first bar's volume (not 0), then adds the
// bar's volume on an up close, subtracts it on a down close, keeps it on an unchanged close.
// Lookback 0.

import { outputFor } from "./types.ts";

export function obv(close: Float64Array, volume: Float64Array, into?: Float64Array): Float64Array {
  const n = close.length;
  const out = outputFor(into, n, 0);
  if (n === 0) return out;
  let total = volume[0];
  let prevClose = close[0];
  for (let i = 0; i < n; i++) {
    const c = close[i];
    if (c > prevClose) total += volume[i];
    else if (c < prevClose) total -= volume[i];
    out[i] = total;
    prevClose = c;
  }
  return out;
}
