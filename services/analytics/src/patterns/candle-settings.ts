// TA-Lib's candle vocabulary: the parts of a candle (ta_utility.h: TA_REALBODY, TA_UPPERSHADOW,
// TA_LOWERSHADOW, TA_HIGHLOWRANGE, TA_CANDLECOLOR) and the default candle settings
// (ta_global.c: TA_RestoreCandleDefaultSettings) that say what "long", "short", "near" mean.
//
// A setting compares a candle part with `factor` times the average of a range over the `avgPeriod`
// candles BEFORE the candle being judged (never the candle itself); with avgPeriod 0 it compares
// with the candle's own range instead. TA_CANDLEAVERAGE:
//   factor * (avgPeriod != 0 ? total / avgPeriod : range(candle)) / (rangeType == Shadows ? 2 : 1)

export type RangeType = "realBody" | "highLow" | "shadows";

export interface CandleSetting {
  rangeType: RangeType;
  avgPeriod: number;
  factor: number;
}

export const BODY_LONG: CandleSetting = { rangeType: "realBody", avgPeriod: 10, factor: 1.0 };
export const BODY_VERY_LONG: CandleSetting = { rangeType: "realBody", avgPeriod: 10, factor: 3.0 };
export const BODY_SHORT: CandleSetting = { rangeType: "realBody", avgPeriod: 10, factor: 1.0 };
export const BODY_DOJI: CandleSetting = { rangeType: "highLow", avgPeriod: 10, factor: 0.1 };
export const SHADOW_LONG: CandleSetting = { rangeType: "realBody", avgPeriod: 0, factor: 1.0 };
export const SHADOW_VERY_LONG: CandleSetting = { rangeType: "realBody", avgPeriod: 0, factor: 2.0 };
export const SHADOW_SHORT: CandleSetting = { rangeType: "shadows", avgPeriod: 10, factor: 1.0 };
export const SHADOW_VERY_SHORT: CandleSetting = { rangeType: "highLow", avgPeriod: 10, factor: 0.1 };
export const NEAR: CandleSetting = { rangeType: "highLow", avgPeriod: 5, factor: 0.2 };
export const FAR: CandleSetting = { rangeType: "highLow", avgPeriod: 5, factor: 0.6 };
export const EQUAL: CandleSetting = { rangeType: "highLow", avgPeriod: 5, factor: 0.05 };

/** Open, high, low, close columns; a BarSeries is one. */
export interface Ohlc {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
}

export function realBody(b: Ohlc, i: number): number {
  return Math.abs(b.close[i] - b.open[i]);
}

export function upperShadow(b: Ohlc, i: number): number {
  return b.high[i] - (b.close[i] >= b.open[i] ? b.close[i] : b.open[i]);
}

export function lowerShadow(b: Ohlc, i: number): number {
  return (b.close[i] >= b.open[i] ? b.open[i] : b.close[i]) - b.low[i];
}

/** 1 for a white (close >= open) candle, -1 for a black one. */
export function candleColor(b: Ohlc, i: number): number {
  return b.close[i] >= b.open[i] ? 1 : -1;
}

export function bodyTop(b: Ohlc, i: number): number {
  return Math.max(b.open[i], b.close[i]);
}

export function bodyBottom(b: Ohlc, i: number): number {
  return Math.min(b.open[i], b.close[i]);
}

/** TA_REALBODYGAPUP(i, j): candle i's body entirely above candle j's. */
export function bodyGapUp(b: Ohlc, i: number, j: number): boolean {
  return bodyBottom(b, i) > bodyTop(b, j);
}

/** TA_REALBODYGAPDOWN(i, j): candle i's body entirely below candle j's. */
export function bodyGapDown(b: Ohlc, i: number, j: number): boolean {
  return bodyTop(b, i) < bodyBottom(b, j);
}

/** TA_CANDLERANGE: the part of candle i a setting measures. */
export function candleRange(s: CandleSetting, b: Ohlc, i: number): number {
  if (s.rangeType === "realBody") return realBody(b, i);
  if (s.rangeType === "highLow") return b.high[i] - b.low[i];
  return upperShadow(b, i) + lowerShadow(b, i);
}

/** TA_CANDLEAVERAGE: the threshold for candle i, given the total of the avgPeriod candles before it. */
export function candleAverage(s: CandleSetting, total: number, b: Ohlc, i: number): number {
  const base = s.avgPeriod !== 0 ? total / s.avgPeriod : candleRange(s, b, i);
  return (s.factor * base) / (s.rangeType === "shadows" ? 2 : 1);
}

/**
 * The total of a setting's range over the avgPeriod candles before candle `i`, summed oldest
 * first. This is the total TA-Lib starts from (and so the whole story when it is asked about one
 * bar, startIdx = endIdx = i).
 */
export function totalBefore(s: CandleSetting, b: Ohlc, i: number): number {
  let total = 0;
  for (let j = i - s.avgPeriod; j < i; j++) total += candleRange(s, b, j);
  return total;
}

/**
 * Moves a total for candle i on to candle i+1, TA-Lib's rolling update (after the pattern test):
 * total += range(i) - range(i - avgPeriod). Over a whole series TA-Lib rolls its totals this way
 * instead of re-summing, which can differ from totalBefore() in the last bits.
 */
export function rollTotal(s: CandleSetting, total: number, b: Ohlc, i: number): number {
  return total + (candleRange(s, b, i) - candleRange(s, b, i - s.avgPeriod));
}
