import { describe, expect, it } from "vitest";
import { loadTalibFixtures } from "../../test/fixtures/talib/load.ts";
import {
  CANDLE_PATTERNS,
  DOJI,
  ENGULFING,
  HAMMER,
  HARAMI,
  candlePatternAt,
  candlePatternSeries,
  cdl3BlackCrows,
  cdl3WhiteSoldiers,
  cdlDarkCloudCover,
  cdlDoji,
  cdlEngulfing,
  cdlEveningStar,
  cdlHammer,
  cdlHangingMan,
  cdlHarami,
  cdlInvertedHammer,
  cdlMorningStar,
  cdlPiercing,
  cdlShootingStar,
} from "./candlesticks.ts";
import type { Ohlc } from "./candle-settings.ts";

const fixtures = loadTalibFixtures();

const RAW: Record<string, (o: Float64Array, h: Float64Array, l: Float64Array, c: Float64Array) => Int32Array> = {
  CDLDOJI: cdlDoji,
  CDLHAMMER: cdlHammer,
  CDLHANGINGMAN: cdlHangingMan,
  CDLINVERTEDHAMMER: cdlInvertedHammer,
  CDLSHOOTINGSTAR: cdlShootingStar,
  CDLENGULFING: cdlEngulfing,
  CDLHARAMI: cdlHarami,
  CDLPIERCING: cdlPiercing,
  CDLDARKCLOUDCOVER: cdlDarkCloudCover,
  CDLMORNINGSTAR: cdlMorningStar,
  CDLEVENINGSTAR: cdlEveningStar,
  CDL3WHITESOLDIERS: cdl3WhiteSoldiers,
  CDL3BLACKCROWS: cdl3BlackCrows,
};

/** Candles from [open, high, low, close] rows. */
function candles(rows: number[][]): Ohlc {
  return {
    open: Float64Array.from(rows, (r) => r[0]),
    high: Float64Array.from(rows, (r) => r[1]),
    low: Float64Array.from(rows, (r) => r[2]),
    close: Float64Array.from(rows, (r) => r[3]),
  };
}

/** n ordinary candles: body 0.5, range 1.5, alternating colour, around 50. */
const ordinary = (n: number): number[][] =>
  Array.from({ length: n }, (_, i) => (i % 2 === 0 ? [49.75, 50.75, 49.25, 50.25] : [50.25, 50.75, 49.25, 49.75]));

describe("candlestick patterns against TA-Lib", () => {
  it("covers the 13 TA-Lib functions, one raw function each", () => {
    expect(CANDLE_PATTERNS.map((p) => p.talib).sort()).toEqual(Object.keys(RAW).sort());
    for (const f of fixtures) expect(Object.keys(f.candles).sort()).toEqual(Object.keys(RAW).sort());
  });

  for (const f of fixtures) {
    describe(f.name, () => {
      for (const [fn, raw] of Object.entries(RAW)) {
        it(`${fn} over the whole series equals TA-Lib's, bar for bar`, () => {
          const { open, high, low, close } = f.bars;
          expect(Array.from(raw(open, high, low, close))).toEqual(f.candles[fn]);
        });
        it(`${fn} on each bar alone equals TA-Lib's (startIdx = endIdx = i)`, () => {
          const p = CANDLE_PATTERNS.find((q) => q.talib === fn)!;
          const ours = f.candlesAt[fn].map((_, i) => candlePatternAt(p, f.bars, i));
          expect(ours).toEqual(f.candlesAt[fn]);
        });
      }
    });
  }

  it("fires every pattern at least once in the fixtures, so no comparison is all zeros", () => {
    for (const fn of Object.keys(RAW)) {
      const hits = fixtures.reduce((sum, f) => sum + f.candles[fn].filter((v) => v !== 0).length, 0);
      expect(hits, fn).toBeGreaterThan(0);
    }
  });

  it("meets every answer ENGULFING and HARAMI can give (±80 and ±100) in the fixtures", () => {
    for (const fn of ["CDLENGULFING", "CDLHARAMI"]) {
      const seen = new Set(fixtures.flatMap((f) => f.candles[fn]));
      expect([...seen].sort((a, b) => a - b), fn).toEqual([-100, -80, 0, 80, 100]);
    }
  });
});

describe("candlestick patterns, hand-checked", () => {
  it("answers only zeros for a series shorter than the lookback", () => {
    const b = candles(ordinary(10));
    for (const p of CANDLE_PATTERNS) {
      expect(Array.from(candlePatternSeries(p, b)).every((v) => v === 0), p.name).toBe(true);
      expect(candlePatternAt(p, b, 9), p.name).toBe(0);
    }
  });

  it("judges a doji against the ten candles before it, not including itself", () => {
    // Previous ranges average 1.5, so a doji body is at most 0.15. This candle's own range (10)
    // would lift the threshold to 0.235 if it counted.
    const doji = candles([...ordinary(10), [50, 55, 45, 50.2]]);
    expect(cdlDoji(doji.open, doji.high, doji.low, doji.close)[10]).toBe(0);
    const real = candles([...ordinary(10), [50, 55, 45, 50.15]]);
    expect(cdlDoji(real.open, real.high, real.low, real.close)[10]).toBe(100);
    expect(candlePatternAt(DOJI, real, 10)).toBe(100);
  });

  it("finds a bullish engulfing (100) and its equal-end variant (80)", () => {
    const full = candles([[50.3, 50.5, 49.9, 50], [49.9, 50.6, 49.8, 50.4], [50, 50.1, 49.9, 50]]);
    expect(candlePatternAt(ENGULFING, full, 1)).toBe(0); // lookback 2: bar 1 has no answer
    const b = candles([[50, 50.1, 49.9, 50], [50.3, 50.5, 49.9, 50], [49.9, 50.6, 49.8, 50.4]]);
    expect(candlePatternAt(ENGULFING, b, 2)).toBe(100);
    const equal = candles([[50, 50.1, 49.9, 50], [50.3, 50.5, 49.9, 50], [50, 50.6, 49.8, 50.4]]);
    expect(candlePatternAt(ENGULFING, equal, 2)).toBe(80);
  });

  it("finds a bearish engulfing (-100) and its equal-end variant (-80)", () => {
    const b = candles([[50, 50.1, 49.9, 50], [50, 50.5, 49.9, 50.3], [50.4, 50.6, 49.8, 49.9]]);
    expect(candlePatternAt(ENGULFING, b, 2)).toBe(-100);
    const equal = candles([[50, 50.1, 49.9, 50], [50, 50.5, 49.9, 50.3], [50.3, 50.6, 49.8, 49.9]]);
    expect(candlePatternAt(ENGULFING, equal, 2)).toBe(-80);
  });

  it("finds a bearish harami (-100) after a long white candle, and -80 when the tops match", () => {
    const inside = candles([...ordinary(10), [50, 52.2, 49.8, 52], [51.2, 51.4, 50.8, 50.9]]);
    expect(candlePatternAt(HARAMI, inside, 11)).toBe(-100);
    const touching = candles([...ordinary(10), [50, 52.2, 49.8, 52], [52, 52.1, 51.7, 51.8]]);
    expect(candlePatternAt(HARAMI, touching, 11)).toBe(-80);
  });

  it("finds a hammer: small body at the prior low, long lower shadow, no upper shadow", () => {
    const b = candles([...ordinary(11), [49.4, 49.6, 47.8, 49.6]]);
    expect(candlePatternAt(HAMMER, b, 11)).toBe(100);
    const withUpperShadow = candles([...ordinary(11), [49.4, 50.2, 47.8, 49.6]]);
    expect(candlePatternAt(HAMMER, withUpperShadow, 11)).toBe(0);
  });

  it("gives the same answers over a series as bar by bar on the hand-made fixture", () => {
    const f = fixtures.find((x) => x.name === "candles")!;
    for (const p of CANDLE_PATTERNS) {
      const whole = Array.from(candlePatternSeries(p, f.bars));
      expect(whole.map((_, i) => candlePatternAt(p, f.bars, i)), p.name).toEqual(whole);
    }
  });
});
