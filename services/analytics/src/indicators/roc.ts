// Rate of change. TA-Lib ta_ROC.c: ((close / close[i-period]) - 1) * 100, 0 when the older
// close is 0. Lookback = period.
import { checkPeriod, outputFor } from "./types.ts";

export function roc(close: Float64Array, period: number, into?: Float64Array): Float64Array {
  checkPeriod("roc", period, 1);
  const n = close.length;
  const out = outputFor(into, n, period);
  for (let i = period; i < n; i++) {
    const old = close[i - period];
    out[i] = old !== 0 ? (close[i] / old - 1) * 100 : 0;
  }
  return out;
}
