// Directional movement: ADX with +DI and -DI. TA-Lib ta_ADX.c, ta_PLUS_DI.c, ta_MINUS_DI.c,
// unstable period 0, no rounding (TA-Lib's round_pos is the identity for these).
import { checkPeriod, outputFor } from "./types.ts";
import { trueRangeAt } from "./atr.ts";

export interface DmiResult {
  /** ADX, lookback 2*period-1 (27 for 14). */
  adx: Float64Array;
  /** +DI, lookback period. */
  plusDi: Float64Array;
  /** -DI, lookback period. */
  minusDi: Float64Array;
}

const TA_EPSILON = 1e-14;
const isZero = (v: number): boolean => v > -TA_EPSILON && v < TA_EPSILON;

/**
 * One pass over the bars, Wilder's way. +DM1/-DM1 of bar i: the larger of (high-prevHigh) and
 * (prevLow-low) when positive, the other 0, both 0 on a tie. DM and TR totals start as plain sums
 * over bars 1..period-1, then total = total - total/period + today's. From bar `period` on,
 * DI = 100 * DM/TR (0 when TR is 0), DX = 100 * |+DI - -DI| / (+DI + -DI). The first ADX, at bar
 * 2*period-1, is the average of the DX of bars period..2*period-1; then
 * adx = (adx*(period-1) + dx) / period. A bar whose TR or DI sum is 0 has no DX: TA-Lib then
 * leaves the ADX as it was (and leaves that DX out of the first average's sum).
 */
export function dmi(
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  period: number,
  into?: DmiResult,
): DmiResult {
  checkPeriod("adx", period, 2);
  const n = close.length;
  const adxLookback = 2 * period - 1;
  const adx = outputFor(into?.adx, n, adxLookback);
  const plusDi = outputFor(into?.plusDi, n, period);
  const minusDi = outputFor(into?.minusDi, n, period);
  if (n <= period) return { adx, plusDi, minusDi };

  let plusDm = 0;
  let minusDm = 0;
  let tr = 0;
  for (let i = 1; i < period; i++) {
    const diffP = high[i] - high[i - 1];
    const diffM = low[i - 1] - low[i];
    if (diffM > 0 && diffP < diffM) minusDm += diffM;
    else if (diffP > 0 && diffP > diffM) plusDm += diffP;
    tr += trueRangeAt(high, low, close, i);
  }

  let sumDx = 0;
  let prevAdx = 0;
  for (let i = period; i < n; i++) {
    const diffP = high[i] - high[i - 1];
    const diffM = low[i - 1] - low[i];
    minusDm -= minusDm / period;
    plusDm -= plusDm / period;
    if (diffM > 0 && diffP < diffM) minusDm += diffM;
    else if (diffP > 0 && diffP > diffM) plusDm += diffP;
    tr = tr - tr / period + trueRangeAt(high, low, close, i);

    let dx = Number.NaN;
    if (isZero(tr)) {
      plusDi[i] = 0;
      minusDi[i] = 0;
    } else {
      const minus = 100 * (minusDm / tr);
      const plus = 100 * (plusDm / tr);
      plusDi[i] = plus;
      minusDi[i] = minus;
      const sum = minus + plus;
      if (!isZero(sum)) dx = 100 * (Math.abs(minus - plus) / sum);
    }

    if (i < adxLookback) {
      if (dx === dx) sumDx += dx;
    } else if (i === adxLookback) {
      if (dx === dx) sumDx += dx;
      prevAdx = sumDx / period;
      adx[i] = prevAdx;
    } else {
      if (dx === dx) prevAdx = (prevAdx * (period - 1) + dx) / period;
      adx[i] = prevAdx;
    }
  }
  return { adx, plusDi, minusDi };
}

/** ADX alone (TA-Lib ta_ADX.c); see dmi(). */
export function adx(high: Float64Array, low: Float64Array, close: Float64Array, period: number): Float64Array {
  return dmi(high, low, close, period).adx;
}
