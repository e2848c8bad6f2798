// Properties every input must keep, checked over many generated series.
import { describe, expect, it } from "vitest";
import { computeIndicators } from "../compute.ts";
import { generateBars } from "../compute-speed.ts";
import { bbands } from "./bbands.ts";
import { ema, sma } from "./moving-averages.ts";
import type { BarSeries } from "./types.ts";

const SERIES: BarSeries[] = Array.from({ length: 40 }, (_, s) => generateBars(60 + 13 * s, 1000 + s));

/** Every defined value of a line lies in [min, max]. */
function within(values: Float64Array, min: number, max: number): boolean {
  return values.every((v) => Number.isNaN(v) || (v >= min && v <= max));
}

// First bar with a value, per indicator (TA-Lib's lookbacks for these parameters).
const LOOKBACK: Record<string, number> = {
  sma_20: 19,
  sma_50: 49,
  sma_200: 199,
  ema_12: 11,
  ema_26: 25,
  rsi_14: 14,
  macd: 33,
  macd_signal: 33,
  macd_hist: 33,
  bb_upper: 19,
  bb_middle: 19,
  bb_lower: 19,
  atr_14: 14,
  stoch_k: 17,
  stoch_d: 17,
  adx_14: 27,
  plus_di_14: 14,
  minus_di_14: 14,
  obv: 0,
  willr_14: 13,
  cci_14: 13,
  mfi_14: 14,
  roc_10: 10,
};

describe("indicator properties", () => {
  it("answer arrays as long as the input, NaN exactly before each lookback", () => {
    for (const bars of SERIES) {
      const n = bars.close.length;
      for (const [name, values] of Object.entries(computeIndicators(bars))) {
        expect(values, name).toHaveLength(n);
        const first = values.findIndex((v) => !Number.isNaN(v));
        expect(first, name).toBe(LOOKBACK[name] < n ? LOOKBACK[name] : -1);
        if (first >= 0) expect(values.subarray(first).every((v) => Number.isFinite(v)), name).toBe(true);
      }
    }
  });

  it("keep the oscillators in their ranges", () => {
    for (const bars of SERIES) {
      const x = computeIndicators(bars);
      expect(within(x.rsi_14, 0, 100)).toBe(true);
      expect(within(x.stoch_k, 0, 100)).toBe(true);
      expect(within(x.stoch_d, 0, 100)).toBe(true);
      // MFI's running sums (TA-Lib's, reproduced bit for bit) can leave a residue of ~1e-15 where
      // the window has no positive flow, so MFI may read -3e-15 exactly as TA-Lib does.
      expect(within(x.mfi_14, -1e-9, 100 + 1e-9)).toBe(true);
      expect(within(x.adx_14, 0, 100)).toBe(true);
      expect(within(x.plus_di_14, 0, 100)).toBe(true);
      expect(within(x.minus_di_14, 0, 100)).toBe(true);
      expect(within(x.willr_14, -100, 0)).toBe(true);
      expect(within(x.atr_14, 0, Infinity)).toBe(true);
    }
  });

  it("keep the Bollinger Bands ordered around their middle", () => {
    for (const bars of SERIES) {
      const x = computeIndicators(bars);
      for (let i = 19; i < bars.close.length; i++) {
        expect(x.bb_upper[i] - x.bb_middle[i]).toBeGreaterThanOrEqual(0);
        expect(x.bb_upper[i] - x.bb_middle[i]).toBeCloseTo(x.bb_middle[i] - x.bb_lower[i], 9);
      }
      expect(x.bb_middle).toEqual(x.sma_20);
    }
  });

  it("make the MACD histogram the line minus the signal", () => {
    for (const bars of SERIES) {
      const x = computeIndicators(bars);
      for (let i = 33; i < bars.close.length; i++) expect(x.macd_hist[i]).toBe(x.macd[i] - x.macd_signal[i]);
    }
  });

  it("give the constant itself as SMA, EMA and bands of a constant", () => {
    for (const c of [0, 1, 37.25, 1e6]) {
      const values = new Float64Array(30).fill(c);
      for (const line of [sma(values, 5), ema(values, 5), bbands(values, 5, 2).upper, bbands(values, 5, 2).lower]) {
        expect(line.subarray(4).every((v) => v === c)).toBe(true);
      }
    }
  });

  it("do not move the scale-free oscillators when prices are rescaled", () => {
    for (const bars of SERIES.slice(0, 10)) {
      const scaled: BarSeries = {
        ...bars,
        open: bars.open.map((v) => v * 4),
        high: bars.high.map((v) => v * 4),
        low: bars.low.map((v) => v * 4),
        close: bars.close.map((v) => v * 4),
      };
      const a = computeIndicators(bars);
      const b = computeIndicators(scaled);
      for (const name of ["rsi_14", "stoch_k", "willr_14", "cci_14", "adx_14", "roc_10"]) {
        for (let i = LOOKBACK[name]; i < bars.close.length; i++) expect(b[name][i], name).toBeCloseTo(a[name][i], 6);
      }
      for (let i = 19; i < bars.close.length; i++) expect(b.sma_20[i]).toBeCloseTo(4 * a.sma_20[i], 6);
    }
  });

  it("leave the inputs untouched", () => {
    const bars = SERIES[3];
    const copy = { close: bars.close.slice(), high: bars.high.slice(), volume: bars.volume.slice() };
    computeIndicators(bars);
    expect(bars.close).toEqual(copy.close);
    expect(bars.high).toEqual(copy.high);
    expect(bars.volume).toEqual(copy.volume);
  });
});
