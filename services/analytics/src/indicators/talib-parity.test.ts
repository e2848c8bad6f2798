// Our indicators against TA-Lib's own outputs (fixtures from scripts/talib-reference/), index by
// index: NaN exactly where TA-Lib has no value, values within 1e-9 relative elsewhere.
import { describe, expect, it } from "vitest";
import { firstMismatch, loadTalibFixtures } from "../../test/fixtures/talib/load.ts";
import { INDICATOR_NAMES, computeIndicators } from "../compute.ts";
import { adx, dmi } from "./adx.ts";
import { atr } from "./atr.ts";
import { bbands } from "./bbands.ts";
import { cci } from "./cci.ts";
import { macd } from "./macd.ts";
import { mfi } from "./mfi.ts";
import { ema, sma } from "./moving-averages.ts";
import { roc } from "./roc.ts";
import { rsi } from "./rsi.ts";
import { stoch } from "./stoch.ts";
import type { BarSeries } from "./types.ts";
import { willr } from "./willr.ts";

const fixtures = loadTalibFixtures();

// How to compute each variant fixture key with our functions.
const VARIANTS: Record<string, (b: BarSeries) => Float64Array> = {
  "SMA(2):outReal": (b) => sma(b.close, 2),
  "SMA(5):outReal": (b) => sma(b.close, 5),
  "EMA(2):outReal": (b) => ema(b.close, 2),
  "EMA(5):outReal": (b) => ema(b.close, 5),
  "RSI(2):outReal": (b) => rsi(b.close, 2),
  "RSI(5):outReal": (b) => rsi(b.close, 5),
  "MACD(5,10,4):outMACD": (b) => macd(b.close, 5, 10, 4).macd,
  "MACD(5,10,4):outMACDSignal": (b) => macd(b.close, 5, 10, 4).signal,
  "MACD(5,10,4):outMACDHist": (b) => macd(b.close, 5, 10, 4).histogram,
  "MACD(26,12,9):outMACD": (b) => macd(b.close, 26, 12, 9).macd,
  "MACD(26,12,9):outMACDSignal": (b) => macd(b.close, 26, 12, 9).signal,
  "MACD(26,12,9):outMACDHist": (b) => macd(b.close, 26, 12, 9).histogram,
  "MACD(2,3,2):outMACD": (b) => macd(b.close, 2, 3, 2).macd,
  "MACD(2,3,2):outMACDSignal": (b) => macd(b.close, 2, 3, 2).signal,
  "MACD(2,3,2):outMACDHist": (b) => macd(b.close, 2, 3, 2).histogram,
  "BBANDS(5,1.5,1.5,0):outRealUpperBand": (b) => bbands(b.close, 5, 1.5).upper,
  "BBANDS(5,1.5,1.5,0):outRealMiddleBand": (b) => bbands(b.close, 5, 1.5).middle,
  "BBANDS(5,1.5,1.5,0):outRealLowerBand": (b) => bbands(b.close, 5, 1.5).lower,
  "BBANDS(10,1,1,0):outRealUpperBand": (b) => bbands(b.close, 10, 1).upper,
  "BBANDS(10,1,1,0):outRealMiddleBand": (b) => bbands(b.close, 10, 1).middle,
  "BBANDS(10,1,1,0):outRealLowerBand": (b) => bbands(b.close, 10, 1).lower,
  "ATR(1):outReal": (b) => atr(b.high, b.low, b.close, 1),
  "ATR(5):outReal": (b) => atr(b.high, b.low, b.close, 5),
  "STOCH(5,3,0,3,0):outSlowK": (b) => stoch(b.high, b.low, b.close, 5, 3, 3).k,
  "STOCH(5,3,0,3,0):outSlowD": (b) => stoch(b.high, b.low, b.close, 5, 3, 3).d,
  "STOCH(9,1,0,4,0):outSlowK": (b) => stoch(b.high, b.low, b.close, 9, 1, 4).k,
  "STOCH(9,1,0,4,0):outSlowD": (b) => stoch(b.high, b.low, b.close, 9, 1, 4).d,
  "ADX(5):outReal": (b) => adx(b.high, b.low, b.close, 5),
  "PLUS_DI(5):outReal": (b) => dmi(b.high, b.low, b.close, 5).plusDi,
  "MINUS_DI(5):outReal": (b) => dmi(b.high, b.low, b.close, 5).minusDi,
  "WILLR(5):outReal": (b) => willr(b.high, b.low, b.close, 5),
  "CCI(5):outReal": (b) => cci(b.high, b.low, b.close, 5),
  "CCI(20):outReal": (b) => cci(b.high, b.low, b.close, 20),
  "MFI(5):outReal": (b) => mfi(b.high, b.low, b.close, b.volume, 5),
  "ROC(1):outReal": (b) => roc(b.close, 1),
  "ROC(5):outReal": (b) => roc(b.close, 5),
};

describe("indicators against TA-Lib", () => {
  it("has fixtures for every indicator and every variant", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(7);
    for (const f of fixtures) {
      expect(Object.keys(f.indicators).sort()).toEqual([...INDICATOR_NAMES].sort());
      expect(Object.keys(f.variants).sort()).toEqual(Object.keys(VARIANTS).sort());
    }
  });

  for (const f of fixtures) {
    describe(`${f.name} (${f.description})`, () => {
      const ours = computeIndicators(f.bars);
      for (const name of INDICATOR_NAMES) {
        it(`${name} matches TA-Lib`, () => {
          expect(firstMismatch(ours[name], f.indicators[name])).toBeNull();
        });
      }
      for (const [key, compute] of Object.entries(VARIANTS)) {
        it(`${key} matches TA-Lib`, () => {
          expect(firstMismatch(compute(f.bars), f.variants[key])).toBeNull();
        });
      }
    });
  }
});
