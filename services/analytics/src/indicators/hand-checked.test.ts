// Small series worked out by hand, one block per indicator: the definition, the lookback, and the
// edge cases (shorter than the lookback, flat prices, gaps, zero volume).
import { describe, expect, it } from "vitest";
import { adx, dmi } from "./adx.ts";
import { atr } from "./atr.ts";
import { bbands } from "./bbands.ts";
import { cci } from "./cci.ts";
import { macd } from "./macd.ts";
import { mfi } from "./mfi.ts";
import { ema, sma } from "./moving-averages.ts";
import { obv } from "./obv.ts";
import { roc } from "./roc.ts";
import { rsi } from "./rsi.ts";
import { stoch } from "./stoch.ts";
import { willr } from "./willr.ts";

const f = (values: number[]): Float64Array => Float64Array.from(values);
const list = (a: Float64Array): number[] => Array.from(a);
const flat = (n: number, v = 100): Float64Array => new Float64Array(n).fill(v);
const allNaN = (a: Float64Array): boolean => a.every((v) => Number.isNaN(v));

/** Values from `from` on, with the head checked to be NaN. */
function tail(a: Float64Array, from: number): number[] {
  expect(list(a.subarray(0, from)).every((v) => Number.isNaN(v)), `NaN before bar ${from}`).toBe(true);
  return list(a.subarray(from));
}

describe("sma", () => {
  it("averages the last `period` values, first value at period-1", () => {
    expect(tail(sma(f([1, 2, 3, 4, 5]), 2), 1)).toEqual([1.5, 2.5, 3.5, 4.5]);
    expect(tail(sma(f([2, 4, 6, 8]), 3), 2)).toEqual([4, 6]);
  });
  it("has no value on a series shorter than its period", () => {
    expect(allNaN(sma(f([1, 2]), 3))).toBe(true);
    expect(sma(new Float64Array(0), 3)).toHaveLength(0);
  });
  it("refuses a period TA-Lib refuses", () => {
    expect(() => sma(f([1, 2, 3]), 1)).toThrow(RangeError);
    expect(() => sma(f([1, 2, 3]), 2.5)).toThrow(RangeError);
  });
});

describe("ema", () => {
  it("is seeded with the SMA of the first `period` values, then smoothed with k = 2/(period+1)", () => {
    // seed (1+2+3)/3 = 2 at bar 2; k = 0.5: (4-2)/2+2 = 3, (5-3)/2+3 = 4, (1-4)/2+4 = 2.5
    expect(tail(ema(f([1, 2, 3, 4, 5, 1]), 3), 2)).toEqual([2, 3, 4, 2.5]);
  });
  it("depends on all the history before a bar, not on a trailing window", () => {
    const series = f([10, 30, 20, 50, 40, 60, 70, 65, 80, 90]);
    const full = ema(series, 3);
    const lastFive = ema(series.subarray(5), 3);
    expect(full[9]).not.toBeCloseTo(lastFive[4], 6);
  });
});

describe("rsi", () => {
  it("follows Wilder's averages seeded with the plain average of the first changes", () => {
    // changes +1 -1 +1 -1; period 2: gain 0.5/loss 0.5 -> 50; then (0.5+1)/2=0.75 vs 0.25 -> 75;
    // then 0.375 vs (0.25+1)/2=0.625 -> 37.5
    expect(tail(rsi(f([1, 2, 1, 2, 1]), 2), 2)).toEqual([50, 75, 37.5]);
  });
  it("is 0 on a flat series (no gains, no losses), as TA-Lib answers", () => {
    expect(tail(rsi(flat(20), 14), 14)).toEqual([0, 0, 0, 0, 0, 0]);
  });
  it("is 100 on a rising series and 0 on a falling one", () => {
    const up = f(Array.from({ length: 20 }, (_, i) => 10 + i));
    expect(tail(rsi(up, 14), 14).every((v) => v === 100)).toBe(true);
    const down = f(Array.from({ length: 20 }, (_, i) => 30 - i));
    expect(tail(rsi(down, 14), 14).every((v) => v === 0)).toBe(true);
  });
  it("has its first value at bar `period` and none on a shorter series", () => {
    expect(allNaN(rsi(f([1, 2, 3]), 3))).toBe(true);
    expect(tail(rsi(f([1, 2, 3, 4]), 3), 3)).toEqual([100]);
  });
});

describe("macd", () => {
  it("starts both EMAs at bar slow-1 and outputs from (slow-1)+(signal-1)", () => {
    // On a line rising 1 a bar an EMA(n) lags by (n-1)/2: macd = 1 - 0.5 = 0.5 (EMA 2 vs 3).
    const m = macd(f([1, 2, 3, 4, 5, 6]), 2, 3, 2);
    expect(tail(m.macd, 3)).toEqual([0.5, 0.5, 0.5]);
    expect(tail(m.signal, 3)).toEqual([0.5, 0.5, 0.5]);
    expect(tail(m.histogram, 3)).toEqual([0, 0, 0]);
  });
  it("seeds the fast EMA with the SMA of the `fast` closes ending at bar slow-1", () => {
    // closes 10, 20, 60: slow EMA(3) seed = 30; fast EMA(2) seed = (20 + 60) / 2 = 40 (not an EMA
    // started at bar 0, which would be (60 - 15) * 2/3 + 15 = 45); signal 2 needs one more bar.
    const m = macd(f([10, 20, 60, 60]), 2, 3, 2);
    // bar 3: slow = (60-30)*0.5+30 = 45, fast = (60-40)*2/3+40 = 53.33..; line 10 then 8.33..
    expect(m.macd[3]).toBeCloseTo(53.333333333333336 - 45, 12);
    expect(m.signal[3]).toBeCloseTo((10 + (53.333333333333336 - 45)) / 2, 12);
  });
  it("has lookback 33 for 12/26/9 and no value on a shorter series", () => {
    const closes = f(Array.from({ length: 40 }, (_, i) => 100 + Math.sin(i)));
    const m = macd(closes, 12, 26, 9);
    expect(Number.isNaN(m.macd[32])).toBe(true);
    expect(Number.isNaN(m.macd[33])).toBe(false);
    expect(allNaN(macd(closes.subarray(0, 33), 12, 26, 9).signal)).toBe(true);
  });
  it("is 0 on a flat series", () => {
    const m = macd(flat(40), 12, 26, 9);
    expect(tail(m.macd, 33).every((v) => v === 0)).toBe(true);
    expect(tail(m.histogram, 33).every((v) => v === 0)).toBe(true);
  });
});

describe("bbands", () => {
  it("uses the population standard deviation", () => {
    // 1..5: mean 3, population variance 2 (the sample one would be 2.5)
    const b = bbands(f([1, 2, 3, 4, 5]), 5, 2);
    expect(b.middle[4]).toBe(3);
    expect(b.upper[4]).toBeCloseTo(3 + 2 * Math.SQRT2, 12);
    expect(b.lower[4]).toBeCloseTo(3 - 2 * Math.SQRT2, 12);
  });
  it("collapses onto the average on a flat series", () => {
    const b = bbands(flat(25, 42), 20, 2);
    expect(tail(b.upper, 19).every((v) => v === 42)).toBe(true);
    expect(tail(b.lower, 19).every((v) => v === 42)).toBe(true);
  });
  it("has no value on a series shorter than its period", () => {
    expect(allNaN(bbands(f([1, 2, 3]), 5, 2).middle)).toBe(true);
  });
});

describe("atr", () => {
  // bar:    0          1            2 (gap up)     3
  const high = f([10, 11, 12, 11.5]);
  const low = f([8, 9, 11, 10]);
  const close = f([9, 10, 11.5, 10.5]);
  it("averages the true ranges of bars 1..period first, then smooths Wilder's way", () => {
    // TR: bar 1 max(2, |9-11|, |9-9|) = 2; bar 2 max(1, |10-12|, |10-11|) = 2 (the gap counts);
    // bar 3 max(1.5, 0, 1.5) = 1.5. ATR(2): bar 2 = 2, bar 3 = (2*1 + 1.5)/2 = 1.75.
    expect(tail(atr(high, low, close, 2), 2)).toEqual([2, 1.75]);
  });
  it("is the true range itself with period 1, from bar 1", () => {
    expect(tail(atr(high, low, close, 1), 1)).toEqual([2, 2, 1.5]);
  });
  it("has its first value at bar `period` (14 for ATR 14)", () => {
    const n = 20;
    const a = atr(flat(n, 11), flat(n, 9), flat(n, 10), 14);
    expect(Number.isNaN(a[13])).toBe(true);
    expect(a[14]).toBe(2);
  });
});

describe("stoch", () => {
  it("is the slow stochastic: SMA-smoothed %K and its SMA %D, from bar (k-1)+(sk-1)+(sd-1)", () => {
    // Closes at the top of a rising range: fast %K 100 everywhere, so slow %K and %D are 100.
    const n = 8;
    const high = f(Array.from({ length: n }, (_, i) => 11 + i));
    const low = f(Array.from({ length: n }, (_, i) => 9 + i));
    const { k, d } = stoch(high, low, high, 3, 2, 2);
    expect(tail(k, 4)).toEqual([100, 100, 100, 100]);
    expect(tail(d, 4)).toEqual([100, 100, 100, 100]);
  });
  it("smooths fast %K with an SMA", () => {
    // fast %K(2) of bars 1..3: close 10 in [9,11] = 50; close 12 in [9,12] = 100; close 11 in
    // [10,12] = 50. Slow %K(2): 75, 75; %D(2) at bar 3: 75.
    const high = f([10, 11, 12, 12]);
    const low = f([9, 9, 10, 10]);
    const close = f([9.5, 10, 12, 11]);
    const { k, d } = stoch(high, low, close, 2, 2, 2);
    expect(tail(k, 3)).toEqual([75]);
    expect(tail(d, 3)).toEqual([75]);
  });
  it("is 0 on a flat series (no range), as TA-Lib answers", () => {
    const { k } = stoch(flat(20), flat(20), flat(20), 14, 3, 3);
    expect(tail(k, 17).every((v) => v === 0)).toBe(true);
  });
});

describe("adx", () => {
  it("is 100 on a steady uptrend, with -DI 0 and +DI = DM/TR", () => {
    // Each bar 1 higher: +DM 1, -DM 0, TR = |prevClose - high| = 1.5: +DI = 100/1.5.
    const n = 12;
    const high = f(Array.from({ length: n }, (_, i) => 10 + i));
    const low = f(Array.from({ length: n }, (_, i) => 9 + i));
    const close = f(Array.from({ length: n }, (_, i) => 9.5 + i));
    const d = dmi(high, low, close, 3);
    expect(tail(d.adx, 5).every((v) => v === 100)).toBe(true);
    expect(tail(d.minusDi, 3).every((v) => v === 0)).toBe(true);
    expect(d.plusDi[3]).toBeCloseTo(100 / 1.5, 12);
  });
  it("has lookback 2*period-1 (27 for ADX 14) and +DI/-DI lookback period", () => {
    const n = 30;
    const high = f(Array.from({ length: n }, (_, i) => 10 + Math.sin(i)));
    const low = f(Array.from({ length: n }, (_, i) => 8 + Math.sin(i)));
    const close = f(Array.from({ length: n }, (_, i) => 9 + Math.sin(i)));
    const d = dmi(high, low, close, 14);
    expect(Number.isNaN(d.adx[26])).toBe(true);
    expect(Number.isNaN(d.adx[27])).toBe(false);
    expect(Number.isNaN(d.plusDi[13])).toBe(true);
    expect(Number.isNaN(d.plusDi[14])).toBe(false);
    expect(adx(high, low, close, 14)).toEqual(d.adx);
  });
  it("gives DIs of 0 and no ADX value change on a flat series", () => {
    const d = dmi(flat(30), flat(30), flat(30), 5);
    expect(tail(d.plusDi, 5).every((v) => v === 0)).toBe(true);
    expect(tail(d.adx, 9).every((v) => v === 0)).toBe(true);
  });
});

describe("obv", () => {
  it("starts at the first bar's volume, then adds on up closes and subtracts on down closes", () => {
    expect(list(obv(f([10, 11, 11, 10, 12]), f([100, 200, 300, 400, 500])))).toEqual([100, 300, 300, -100, 400]);
  });
  it("stays at 0 with zero volume", () => {
    expect(list(obv(f([1, 2, 3, 2]), f([0, 0, 0, 0])))).toEqual([0, 0, 0, 0]);
  });
});

describe("willr", () => {
  it("places the close within the window's range, from -100 (at the low) to 0 (at the high)", () => {
    expect(tail(willr(f([5, 5, 5]), f([1, 1, 1]), f([3, 3, 2]), 3), 2)).toEqual([-75]);
    expect(tail(willr(f([5, 5, 5]), f([1, 1, 1]), f([3, 3, 1]), 3), 2)).toEqual([-100]);
  });
  it("is 0 on a flat series", () => {
    expect(tail(willr(flat(16), flat(16), flat(16), 14), 13)).toEqual([0, 0, 0]);
  });
});

describe("cci", () => {
  it("divides the distance from the average typical price by 0.015 × the mean deviation", () => {
    // typical prices 1, 2, 3: mean 2, mean deviation 2/3: (3-2) / (0.015 * 2/3) = 100
    expect(tail(cci(f([1, 2, 3]), f([1, 2, 3]), f([1, 2, 3]), 3), 2)[0]).toBeCloseTo(100, 10);
  });
  it("is 0 on a flat series", () => {
    expect(tail(cci(flat(16), flat(16), flat(16), 14), 13)).toEqual([0, 0, 0]);
  });
});

describe("mfi", () => {
  it("is the share of positive money flow over the window", () => {
    // typical prices 1, 2, 1.5, 2.5 with volume 1: flows +2, -1.5, +2.5
    // bar 2: 2 / 3.5; bar 3 (bar 1 left the window): 2.5 / 4
    const tp = f([1, 2, 1.5, 2.5]);
    const out = mfi(tp, tp, tp, f([1, 1, 1, 1]), 2);
    expect(out[2]).toBeCloseTo((100 * 2) / 3.5, 12);
    expect(out[3]).toBeCloseTo(62.5, 12);
  });
  it("is 0 with zero volume (total flow below 1, as TA-Lib answers)", () => {
    const tp = f([1, 2, 1.5, 2.5, 3]);
    expect(tail(mfi(tp, tp, tp, f([0, 0, 0, 0, 0]), 2), 2)).toEqual([0, 0, 0]);
  });
});

describe("roc", () => {
  it("is the percent change over `period` bars, and 0 when the old close is 0", () => {
    const r = roc(f([10, 11, 12.1, 0, 5]), 1);
    expect(r[1]).toBeCloseTo(10, 12);
    expect(r[2]).toBeCloseTo(10, 12);
    expect(r[3]).toBe(-100);
    expect(r[4]).toBe(0);
  });
});
