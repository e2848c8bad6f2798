// Signal patterns traders watch, on bar i, from the bars and the indicator series of compute.ts.
//
// Confidence of every signal: 0.5 + 0.5 × strength, strength in [0, 1] saying how far past its
// trigger the bar went:
//   - price-level signals (crosses of averages or MACD, band and 52-week breakouts): the distance
//     past the trigger in units of ATR 14, capped at 1 (0 when ATR is unknown or 0);
//   - RSI exits: the RSI move over the bar in points / 10, capped at 1;
//   - volume spike: (volume / average - multiple) / multiple, capped at 1.
// A signal needs its inputs defined on bars i and i-1; NaN (inside a lookback) never fires.
import type { BarSeries } from "../indicators/types.ts";
import type { Detection, Direction, PatternConfig } from "./types.ts";

export const SIGNAL_PATTERN_NAMES: readonly string[] = [
  "golden_cross",
  "death_cross",
  "macd_bullish_crossover",
  "macd_bearish_crossover",
  "rsi_oversold_exit",
  "rsi_overbought_exit",
  "bollinger_breakout_up",
  "bollinger_breakout_down",
  "high_52w_breakout",
  "low_52w_breakout",
  "volume_spike",
];

/** Bars averaged for volume_spike (the 20 before bar i). */
export const VOLUME_AVERAGE_BARS = 20;

type Series = Record<string, Float64Array>;

const NONE = new Float64Array(0);
const line = (indicators: Series, name: string): Float64Array => indicators[name] ?? NONE;
const capped = (x: number): number => (x > 1 ? 1 : x > 0 ? x : 0);
const confidence = (strength: number): number => 0.5 + 0.5 * capped(strength);

function add(out: Detection[], pattern: string, direction: Direction, strength: number): void {
  out.push({ pattern, direction, confidence: confidence(strength) });
}

/** Distance in ATRs, 0 when the ATR is unknown. */
function inAtrs(distance: number, atr: number): number {
  return atr > 0 ? distance / atr : 0;
}

/** Appends to `out` the signal patterns on bar i (i >= 1). */
export function detectSignals(
  bars: BarSeries,
  indicators: Series,
  i: number,
  config: PatternConfig,
  out: Detection[],
): void {
  if (i < 1 || i >= bars.close.length) return;
  const atr = line(indicators, "atr_14")[i];

  // SMA 50 over / under SMA 200.
  const fast = line(indicators, "sma_50");
  const slow = line(indicators, "sma_200");
  if (fast[i - 1] <= slow[i - 1] && fast[i] > slow[i]) add(out, "golden_cross", "bullish", inAtrs(fast[i] - slow[i], atr));
  if (fast[i - 1] >= slow[i - 1] && fast[i] < slow[i]) add(out, "death_cross", "bearish", inAtrs(slow[i] - fast[i], atr));

  // MACD line over / under its signal line.
  const macd = line(indicators, "macd");
  const signal = line(indicators, "macd_signal");
  if (macd[i - 1] <= signal[i - 1] && macd[i] > signal[i]) {
    add(out, "macd_bullish_crossover", "bullish", inAtrs(macd[i] - signal[i], atr));
  }
  if (macd[i - 1] >= signal[i - 1] && macd[i] < signal[i]) {
    add(out, "macd_bearish_crossover", "bearish", inAtrs(signal[i] - macd[i], atr));
  }

  // RSI 14 leaving the oversold / overbought zone.
  const rsi = line(indicators, "rsi_14");
  if (rsi[i - 1] < config.rsiOversold && rsi[i] >= config.rsiOversold) {
    add(out, "rsi_oversold_exit", "bullish", (rsi[i] - rsi[i - 1]) / 10);
  }
  if (rsi[i - 1] > config.rsiOverbought && rsi[i] <= config.rsiOverbought) {
    add(out, "rsi_overbought_exit", "bearish", (rsi[i - 1] - rsi[i]) / 10);
  }

  // The close leaving the Bollinger Bands (it was inside or on them the bar before).
  const close = bars.close;
  const upper = line(indicators, "bb_upper");
  const lower = line(indicators, "bb_lower");
  if (close[i - 1] <= upper[i - 1] && close[i] > upper[i]) {
    add(out, "bollinger_breakout_up", "bullish", inAtrs(close[i] - upper[i], atr));
  }
  if (close[i - 1] >= lower[i - 1] && close[i] < lower[i]) {
    add(out, "bollinger_breakout_down", "bearish", inAtrs(lower[i] - close[i], atr));
  }

  detectBreakouts(bars, i, config.breakoutLookbackDays, atr, out);
  detectVolumeSpike(bars, i, config.volumeSpikeMultiple, out);
}

/**
 * A close above the highest high (below the lowest low) of the `lookback` bars before bar i.
 * Needs a full lookback of history: no 52-week high without 52 weeks.
 */
function detectBreakouts(bars: BarSeries, i: number, lookback: number, atr: number, out: Detection[]): void {
  if (lookback < 1 || i < lookback) return;
  let highest = -Infinity;
  let lowest = Infinity;
  for (let j = i - lookback; j < i; j++) {
    if (bars.high[j] > highest) highest = bars.high[j];
    if (bars.low[j] < lowest) lowest = bars.low[j];
  }
  const close = bars.close[i];
  if (close > highest) {
    add(out, "high_52w_breakout", "bullish", inAtrs(close - highest, atr));
  }
  if (close < lowest) {
    add(out, "low_52w_breakout", "bearish", inAtrs(lowest - close, atr));
  }
}

/**
 * Volume above `multiple` × the average volume of the 20 bars before bar i (an average of 0
 * never spikes). Its direction is the close's move over the bar: up bullish, down bearish.
 */
function detectVolumeSpike(bars: BarSeries, i: number, multiple: number, out: Detection[]): void {
  if (i < VOLUME_AVERAGE_BARS) return;
  let sum = 0;
  for (let j = i - VOLUME_AVERAGE_BARS; j < i; j++) sum += bars.volume[j];
  const average = sum / VOLUME_AVERAGE_BARS;
  const volume = bars.volume[i];
  if (!(average > 0) || !(volume > multiple * average)) return;
  const move = bars.close[i] - bars.close[i - 1];
  const direction: Direction = move > 0 ? "bullish" : move < 0 ? "bearish" : "neutral";
  const strength = multiple > 0 ? (volume / average - multiple) / multiple : 1;
  add(out, "volume_spike", direction, strength);
}
