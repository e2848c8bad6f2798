// What a pattern detection is, and what tunes the signal patterns.

export type Direction = "bullish" | "bearish" | "neutral";

export interface Detection {
  pattern: string;
  direction: Direction;
  /** In [0, 1]; each pattern documents its formula. */
  confidence: number;
}

export interface PatternConfig {
  /** volume_spike fires when volume > this × the average volume of the previous 20 bars. */
  volumeSpikeMultiple: number;
  /** rsi_overbought_exit fires when RSI 14 falls back to or below this from above it. */
  rsiOverbought: number;
  /** rsi_oversold_exit fires when RSI 14 climbs back to or above this from below it. */
  rsiOversold: number;
  /** Bars of history that make "52-week" for high_52w_breakout / low_52w_breakout. */
  breakoutLookbackDays: number;
}

export const DEFAULT_PATTERN_CONFIG: PatternConfig = {
  volumeSpikeMultiple: 2.0,
  rsiOverbought: 70,
  rsiOversold: 30,
  breakoutLookbackDays: 252,
};
