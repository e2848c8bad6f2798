// Moving Average Convergence/Divergence. TA-Lib ta_MACD.c (TA_INT_MACD).
import { checkPeriod, fillNaN, outputFor } from "./types.ts";

export interface MacdResult {
  macd: Float64Array;
  signal: Float64Array;
  histogram: Float64Array;
}

/**
 * macd = EMA(fast) - EMA(slow); signal = EMA(signalPeriod) of macd; histogram = macd - signal.
 * As in ta_MACD.c, both EMAs start at index slow-1: the slow one seeded with the SMA of the first
 * `slow` closes, the fast one with the SMA of the `fast` closes ending there (not from index 0,
 * which is how a standalone EMA would start). The signal EMA is seeded with the SMA of the first
 * `signalPeriod` macd values, and all three outputs start at lookback (slow-1) + (signal-1),
 * 33 for 12/26/9. A slow period shorter than the fast one is swapped, as TA-Lib does. Periods
 * are at least 2, TA-Lib's range (its MACD answers garbage for a signal period of 1).
 */
export function macd(
  close: Float64Array,
  fast: number,
  slow: number,
  signalPeriod: number,
  into?: MacdResult,
): MacdResult {
  checkPeriod("macd fast", fast, 2);
  checkPeriod("macd slow", slow, 2);
  checkPeriod("macd signal", signalPeriod, 2);
  if (slow < fast) [fast, slow] = [slow, fast];
  const n = close.length;
  const lookback = slow - 1 + (signalPeriod - 1);
  const line = outputFor(into?.macd, n, lookback);
  const signal = outputFor(into?.signal, n, lookback);
  const histogram = outputFor(into?.histogram, n, lookback);
  if (n <= lookback) return { macd: line, signal, histogram };

  // The macd line from index slow-1, written into `line` (its head is blanked again below).
  const kSlow = 2 / (slow + 1);
  const kFast = 2 / (fast + 1);
  let slowSum = 0;
  for (let i = 0; i < slow; i++) slowSum += close[i];
  let fastSum = 0;
  for (let i = slow - fast; i < slow; i++) fastSum += close[i];
  let slowEma = slowSum / slow;
  let fastEma = fastSum / fast;
  line[slow - 1] = fastEma - slowEma;
  for (let i = slow; i < n; i++) {
    const x = close[i];
    slowEma = (x - slowEma) * kSlow + slowEma;
    fastEma = (x - fastEma) * kFast + fastEma;
    line[i] = fastEma - slowEma;
  }

  const kSignal = 2 / (signalPeriod + 1);
  let signalSum = 0;
  for (let i = slow - 1; i <= lookback; i++) signalSum += line[i];
  let prev = signalSum / signalPeriod;
  signal[lookback] = prev;
  histogram[lookback] = line[lookback] - prev;
  for (let i = lookback + 1; i < n; i++) {
    prev = (line[i] - prev) * kSignal + prev;
    signal[i] = prev;
    histogram[i] = line[i] - prev;
  }
  fillNaN(line, slow - 1, lookback);
  return { macd: line, signal, histogram };
}
