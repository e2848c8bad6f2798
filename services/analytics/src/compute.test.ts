import { describe, expect, it } from "vitest";
import { loadTalibFixtures } from "../test/fixtures/talib/load.ts";
import {
  DEFAULT_PATTERN_CONFIG,
  INDICATOR_NAMES,
  MAX_GAP_DAYS,
  MIN_BARS,
  PATTERN_NAMES,
  SIGNAL_INPUT_NAMES,
  computeIndicators,
  computeIndicatorsInto,
  computeSignalInputsInto,
  detectPatterns,
  indicatorValuesAt,
  validateSeries,
  type BarSeries,
} from "./compute.ts";
import { generateBars, measureComputeThroughput } from "./compute-speed.ts";
import { CANDLE_PATTERNS } from "./patterns/candlesticks.ts";
import { detectSignals } from "./patterns/signals.ts";

const fixtures = loadTalibFixtures();
const candles = fixtures.find((f) => f.name === "candles")!;

describe("computeIndicators", () => {
  it("answers every name of INDICATOR_NAMES, in that order", () => {
    expect(Object.keys(computeIndicators(generateBars(300, 1)))).toEqual([...INDICATOR_NAMES]);
  });

  it("answers empty arrays for an empty series and only NaN (but OBV) inside every lookback", () => {
    const empty = generateBars(0, 1);
    for (const values of Object.values(computeIndicators(empty))) expect(values).toHaveLength(0);
    const short = computeIndicators(generateBars(10, 1));
    for (const name of INDICATOR_NAMES) {
      if (name === "obv" || name === "roc_10") continue;
      expect(short[name].every((v) => Number.isNaN(v)), name).toBe(true);
    }
    expect(short.obv.every((v) => Number.isFinite(v))).toBe(true);
  });

  it("gives each call its own outputs", () => {
    const bars = generateBars(100, 2);
    const a = computeIndicators(bars);
    const b = computeIndicators(generateBars(100, 3));
    expect(a.sma_20[50]).not.toBe(b.sma_20[50]);
    expect(computeIndicators(bars).sma_20).toEqual(a.sma_20);
  });
});

describe("computeSignalInputsInto", () => {
  it("answers SIGNAL_INPUT_NAMES, each bit for bit the series computeIndicators answers", () => {
    for (const n of [0, 10, 40, 260]) {
      const bars = generateBars(n, n + 7);
      const all = computeIndicators(bars);
      const block = new Float64Array(SIGNAL_INPUT_NAMES.length * n).fill(12345); // stale contents
      const some = computeSignalInputsInto(bars, block);
      expect(Object.keys(some)).toEqual([...SIGNAL_INPUT_NAMES]);
      for (const name of SIGNAL_INPUT_NAMES) expect(Array.from(some[name]), `${name} over ${n} bars`).toEqual(Array.from(all[name]));
    }
  });

  it("covers every indicator detectSignals reads", () => {
    const bars = generateBars(300, 11);
    const all = computeIndicators(bars);
    const read = new Set<string>();
    const watched = new Proxy(all, { get: (target, name: string) => (read.add(name), target[name]) });
    detectSignals(bars, watched, 299, DEFAULT_PATTERN_CONFIG, []);
    expect(read.size).toBeGreaterThan(0);
    for (const name of read) expect(SIGNAL_INPUT_NAMES).toContain(name);
  });

  it("refuses a block too small for the series", () => {
    expect(() => computeSignalInputsInto(generateBars(50, 1), new Float64Array(10))).toThrow(RangeError);
  });
});

describe("indicatorValuesAt", () => {
  it("answers the defined values on a bar and leaves out the NaN ones", () => {
    const series = computeIndicators(generateBars(60, 4));
    const early = indicatorValuesAt(series, 20);
    expect(Object.keys(early)).toEqual(["sma_20", "ema_12", "rsi_14", "bb_upper", "bb_middle", "bb_lower", "atr_14", "stoch_k", "stoch_d", "plus_di_14", "minus_di_14", "obv", "willr_14", "cci_14", "mfi_14", "roc_10"]);
    expect(early.sma_20).toBe(series.sma_20[20]);
    const late = indicatorValuesAt(series, 59);
    expect(Object.keys(late)).toEqual(INDICATOR_NAMES.filter((name) => name !== "sma_200"));
  });

  it("answers nothing for a bar outside the series", () => {
    const series = computeIndicators(generateBars(30, 5));
    expect(indicatorValuesAt(series, 30)).toEqual({});
    expect(indicatorValuesAt(series, -1)).toEqual({});
  });
});

describe("detectPatterns", () => {
  it("reports TA-Lib's candlestick answers on each bar, with direction and |answer|/100 confidence", () => {
    const indicators = computeIndicators(candles.bars);
    for (let i = 0; i < candles.bars.close.length; i++) {
      const found = detectPatterns(candles.bars, indicators, i, DEFAULT_PATTERN_CONFIG);
      for (const p of CANDLE_PATTERNS) {
        const talib = candles.candlesAt[p.talib][i];
        const hit = found.find((d) => d.pattern === p.name);
        if (talib === 0) {
          expect(hit, `${p.name} at ${i}`).toBeUndefined();
          continue;
        }
        const direction = p.name === "doji" ? "neutral" : talib > 0 ? "bullish" : "bearish";
        expect(hit, `${p.name} at ${i}`).toEqual({ pattern: p.name, direction, confidence: Math.abs(talib) / 100 });
      }
    }
  });

  it("finds the hand-made patterns where they were drawn", () => {
    const at = (i: number) => detectPatterns(candles.bars, computeIndicators(candles.bars), i, DEFAULT_PATTERN_CONFIG);
    expect(at(207)).toContainEqual({ pattern: "morning_star", direction: "bullish", confidence: 1 });
    expect(at(222)).toContainEqual({ pattern: "evening_star", direction: "bearish", confidence: 1 });
    expect(at(94)).toContainEqual({ pattern: "engulfing", direction: "bullish", confidence: 0.8 });
    expect(at(237)).toContainEqual({ pattern: "three_white_soldiers", direction: "bullish", confidence: 1 });
    expect(at(253)).toContainEqual({ pattern: "three_black_crows", direction: "bearish", confidence: 1 });
    expect(at(12)).toContainEqual({ pattern: "doji", direction: "neutral", confidence: 1 });
  });

  it("only answers known patterns with confidences in [0, 1]", () => {
    const seen = new Set<string>();
    for (let s = 0; s < 6; s++) {
      const bars = generateBars(400, 50 + s);
      const indicators = computeIndicators(bars);
      for (let i = 0; i < bars.close.length; i++) {
        for (const d of detectPatterns(bars, indicators, i, DEFAULT_PATTERN_CONFIG)) {
          expect(PATTERN_NAMES).toContain(d.pattern);
          expect(["bullish", "bearish", "neutral"]).toContain(d.direction);
          expect(d.confidence).toBeGreaterThanOrEqual(0);
          expect(d.confidence).toBeLessThanOrEqual(1);
          seen.add(d.pattern);
        }
      }
    }
    // A year and a half of random walk meets most signals.
    for (const name of ["golden_cross", "death_cross", "macd_bullish_crossover", "rsi_oversold_exit", "bollinger_breakout_up", "high_52w_breakout", "volume_spike", "doji", "engulfing"]) {
      expect(seen, name).toContain(name);
    }
  });

  it("answers nothing outside the series", () => {
    const bars = generateBars(50, 6);
    const indicators = computeIndicators(bars);
    expect(detectPatterns(bars, indicators, 50, DEFAULT_PATTERN_CONFIG)).toEqual([]);
    expect(detectPatterns(bars, indicators, -1, DEFAULT_PATTERN_CONFIG)).toEqual([]);
  });

  it("has the documented default configuration", () => {
    expect(DEFAULT_PATTERN_CONFIG).toEqual({ volumeSpikeMultiple: 2, rsiOverbought: 70, rsiOversold: 30, breakoutLookbackDays: 252 });
  });
});

describe("validateSeries", () => {
  const good = (): BarSeries => generateBars(60, 7);
  const broken = (change: (b: BarSeries) => void): ReturnType<typeof validateSeries> => {
    const b = good();
    change(b);
    return validateSeries(b);
  };

  it("accepts generated series from MIN_BARS bars on", () => {
    expect(validateSeries(good())).toEqual({ ok: true });
    expect(validateSeries(generateBars(MIN_BARS, 8))).toEqual({ ok: true });
  });

  it("rejects a series shorter than MIN_BARS", () => {
    expect(validateSeries(generateBars(MIN_BARS - 1, 8))).toEqual({ ok: false, reason: `too short: ${MIN_BARS - 1} bars, need at least ${MIN_BARS}` });
    expect(validateSeries(generateBars(0, 8)).ok).toBe(false);
  });

  it("rejects non-finite values", () => {
    expect(broken((b) => (b.close[5] = Number.NaN))).toEqual({ ok: false, reason: "non-finite value at bar 5" });
    expect(broken((b) => (b.high[6] = Number.POSITIVE_INFINITY))).toEqual({ ok: false, reason: "non-finite value at bar 6" });
    expect(broken((b) => (b.volume[7] = Number.NaN)).ok).toBe(false);
  });

  it("rejects a high below the low and a negative volume", () => {
    expect(broken((b) => (b.high[9] = b.low[9] - 0.01))).toEqual({ ok: false, reason: "high below low at bar 9" });
    expect(broken((b) => (b.volume[3] = -1))).toEqual({ ok: false, reason: "negative volume at bar 3" });
  });

  it("rejects days that repeat or go back", () => {
    expect(broken((b) => (b.day[10] = b.day[9]))).toEqual({ ok: false, reason: "days not strictly increasing at bar 10" });
    expect(broken((b) => (b.day[10] = b.day[9] - 3)).ok).toBe(false);
  });

  it("rejects a hole of more than MAX_GAP_DAYS calendar days, not a long weekend", () => {
    const gap = (days: number): BarSeries => {
      const b = good();
      for (let i = 30; i < b.day.length; i++) b.day[i] = b.day[29] + days + (i - 30);
      return b;
    };
    expect(validateSeries(gap(4)).ok).toBe(true);
    expect(validateSeries(gap(MAX_GAP_DAYS)).ok).toBe(true);
    expect(validateSeries(gap(MAX_GAP_DAYS + 1))).toEqual({ ok: false, reason: `gap of ${MAX_GAP_DAYS + 1} days before bar 30` });
  });

  it("rejects columns of different lengths", () => {
    expect(broken((b) => (b.volume = b.volume.subarray(1)))).toEqual({ ok: false, reason: "columns of different lengths" });
  });
});

describe("generateBars and measureComputeThroughput", () => {
  it("generates the same bars for the same seed", () => {
    expect(generateBars(50, 9)).toEqual(generateBars(50, 9));
    expect(generateBars(50, 9).close).not.toEqual(generateBars(50, 10).close);
  });

  it("measures a positive throughput", () => {
    const r = measureComputeThroughput(20, 60);
    expect(r.barsPerSecond).toBeGreaterThan(0);
    expect(r.valuesPerSecond).toBeGreaterThan(r.barsPerSecond);
    expect(() => measureComputeThroughput(0, 10)).toThrow(RangeError);
  });
});

describe("computeIndicatorsInto", () => {
  it("answers what computeIndicators does, in a reused, dirty, larger block", () => {
    const block = new Float64Array(INDICATOR_NAMES.length * 400).fill(12345);
    for (const [days, seed] of [[300, 1], [60, 2], [250, 3]]) {
      const bars = generateBars(days, seed);
      const expected = computeIndicators(bars);
      const got = computeIndicatorsInto(bars, block);
      for (const name of INDICATOR_NAMES) expect(Array.from(got[name]), name).toEqual(Array.from(expected[name]));
    }
  });

  it("refuses a block too small for the series", () => {
    expect(() => computeIndicatorsInto(generateBars(50, 1), new Float64Array(10))).toThrow(RangeError);
  });
});
