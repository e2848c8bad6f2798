import { describe, expect, it } from "vitest";
import type { BarSeries } from "../indicators/types.ts";
import { detectSignals } from "./signals.ts";
import { DEFAULT_PATTERN_CONFIG, type Detection, type PatternConfig } from "./types.ts";

const NaN_ = Number.NaN;
const f = (values: number[]): Float64Array => Float64Array.from(values);

/** Bars with the given closes (open = close, high/low ±1) and volumes. */
function bars(close: number[], volume: number[] = close.map(() => 1000), high?: number[], low?: number[]): BarSeries {
  return {
    day: Int32Array.from(close, (_, i) => 20_000 + i),
    open: f(close),
    high: f(high ?? close.map((c) => c + 1)),
    low: f(low ?? close.map((c) => c - 1)),
    close: f(close),
    volume: f(volume),
  };
}

function signals(b: BarSeries, indicators: Record<string, number[]>, i: number, config: PatternConfig = DEFAULT_PATTERN_CONFIG): Detection[] {
  const lines = Object.fromEntries(Object.entries(indicators).map(([k, v]) => [k, f(v)]));
  const out: Detection[] = [];
  detectSignals(b, lines, i, config, out);
  return out;
}

describe("golden and death crosses", () => {
  it("finds SMA 50 crossing above SMA 200, confidence from the overshoot in ATRs", () => {
    const d = signals(bars([10, 10]), { sma_50: [1, 2], sma_200: [1.5, 1.5], atr_14: [NaN_, 1] }, 1);
    expect(d).toEqual([{ pattern: "golden_cross", direction: "bullish", confidence: 0.75 }]);
  });
  it("finds SMA 50 crossing below SMA 200", () => {
    const d = signals(bars([10, 10]), { sma_50: [2, 1], sma_200: [1.5, 1.5], atr_14: [NaN_, 0.25] }, 1);
    expect(d).toEqual([{ pattern: "death_cross", direction: "bearish", confidence: 1 }]);
  });
  it("stays silent while either average is undefined, and without a cross", () => {
    expect(signals(bars([10, 10]), { sma_50: [NaN_, 2], sma_200: [NaN_, 1.5] }, 1)).toEqual([]);
    expect(signals(bars([10, 10]), { sma_50: [2, 3], sma_200: [1.5, 1.5] }, 1)).toEqual([]);
  });
  it("gives confidence 0.5 when ATR is unknown", () => {
    const d = signals(bars([10, 10]), { sma_50: [1, 2], sma_200: [1.5, 1.5] }, 1);
    expect(d[0].confidence).toBe(0.5);
  });
});

describe("MACD crossovers", () => {
  it("finds the line crossing above and below its signal", () => {
    const up = signals(bars([10, 10]), { macd: [-0.1, 0.2], macd_signal: [0, 0], atr_14: [1, 1] }, 1);
    expect(up).toEqual([{ pattern: "macd_bullish_crossover", direction: "bullish", confidence: 0.6 }]);
    const down = signals(bars([10, 10]), { macd: [0.1, -0.2], macd_signal: [0, 0], atr_14: [1, 1] }, 1);
    expect(down).toEqual([{ pattern: "macd_bearish_crossover", direction: "bearish", confidence: 0.6 }]);
  });
});

describe("RSI exits", () => {
  it("finds RSI climbing out of oversold, confidence from the move in 10-point steps", () => {
    const d = signals(bars([10, 10]), { rsi_14: [25, 31] }, 1);
    expect(d).toEqual([{ pattern: "rsi_oversold_exit", direction: "bullish", confidence: 0.8 }]);
  });
  it("finds RSI falling out of overbought", () => {
    const d = signals(bars([10, 10]), { rsi_14: [75, 70] }, 1);
    expect(d).toEqual([{ pattern: "rsi_overbought_exit", direction: "bearish", confidence: 0.75 }]);
  });
  it("stays silent inside the zones and follows the configured levels", () => {
    expect(signals(bars([10, 10]), { rsi_14: [25, 29] }, 1)).toEqual([]);
    const config = { ...DEFAULT_PATTERN_CONFIG, rsiOversold: 20 };
    expect(signals(bars([10, 10]), { rsi_14: [25, 31] }, 1, config)).toEqual([]);
  });
});

describe("Bollinger breakouts", () => {
  it("finds the close leaving the bands, not staying outside them", () => {
    const up = signals(bars([10, 12]), { bb_upper: [11, 11.5], bb_lower: [9, 9], atr_14: [2, 2] }, 1);
    expect(up).toEqual([{ pattern: "bollinger_breakout_up", direction: "bullish", confidence: 0.625 }]);
    expect(signals(bars([12, 13]), { bb_upper: [11, 11.5], bb_lower: [9, 9] }, 1)).toEqual([]);
    const down = signals(bars([10, 8]), { bb_upper: [11, 11], bb_lower: [9, 9], atr_14: [2, 2] }, 1);
    expect(down).toEqual([{ pattern: "bollinger_breakout_down", direction: "bearish", confidence: 0.75 }]);
  });
});

describe("52-week breakouts", () => {
  const config = { ...DEFAULT_PATTERN_CONFIG, breakoutLookbackDays: 5 };
  it("finds a close above the highest high of the lookback before the bar", () => {
    const b = bars([10, 11, 12, 11, 10, 13.5]); // highs up to 13 before bar 5
    expect(signals(b, { atr_14: [1, 1, 1, 1, 1, 1] }, 5, config)).toEqual([
      { pattern: "high_52w_breakout", direction: "bullish", confidence: 0.75 },
    ]);
  });
  it("finds a close below the lowest low of the lookback", () => {
    const b = bars([10, 9, 8, 9, 10, 6]); // lows down to 7 before bar 5
    expect(signals(b, {}, 5, config).map((d) => d.pattern)).toEqual(["low_52w_breakout"]);
  });
  it("needs a whole lookback of history", () => {
    const b = bars([10, 11, 12, 13, 20]);
    expect(signals(b, {}, 4, config)).toEqual([]);
  });
});

describe("volume spikes", () => {
  const quiet = Array.from({ length: 20 }, () => 100);
  const closes = Array.from({ length: 21 }, (_, i) => (i === 20 ? 11 : 10));
  it("finds volume over the multiple × the average of the 20 bars before, directed by the close", () => {
    const d = signals(bars(closes, [...quiet, 250]), {}, 20);
    expect(d).toEqual([{ pattern: "volume_spike", direction: "bullish", confidence: 0.625 }]);
    const flatClose = signals(bars(closes.map(() => 10), [...quiet, 250]), {}, 20);
    expect(flatClose[0].direction).toBe("neutral");
  });
  it("needs strictly more than the multiple, follows the configured multiple, ignores zero averages", () => {
    expect(signals(bars(closes, [...quiet, 200]), {}, 20)).toEqual([]);
    expect(signals(bars(closes, [...quiet, 250]), {}, 20, { ...DEFAULT_PATTERN_CONFIG, volumeSpikeMultiple: 3 })).toEqual([]);
    expect(signals(bars(closes, [...quiet.map(() => 0), 250]), {}, 20)).toEqual([]);
  });
  it("needs 20 bars before", () => {
    expect(signals(bars(closes.slice(1), [...quiet.slice(1), 1000]), {}, 19)).toEqual([]);
  });
});

it("answers nothing on bar 0 or past the end", () => {
  const b = bars([10, 12]);
  const lines = { bb_upper: [NaN_, 11], bb_lower: [NaN_, 9] };
  expect(signals(b, lines, 0)).toEqual([]);
  expect(signals(b, lines, 2)).toEqual([]);
});
