// Writes TA-Lib's own outputs for a few deterministic input series as JSON fixtures under
// services/analytics/test/fixtures/talib/, so our TypeScript indicators and candlestick patterns
// can be compared with TA-Lib index by index. See README.md beside this file for how to build the
// TA-Lib addon this script loads (it is not a dependency of the project).
//
//   TALIB_NODE=/tmp/talib-build/package/build/Release/talib.node node scripts/talib-reference/generate.mjs
//
// Every input series is generated here from a fixed seed or by hand, so running the script twice
// gives byte-identical files.
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, "../../services/analytics/test/fixtures/talib");
const addonPath = process.env.TALIB_NODE ?? "/tmp/talib-build/package/build/Release/talib.node";
const talib = createRequire(import.meta.url)(addonPath);

// ---------------------------------------------------------------------------------------------
// What to ask TA-Lib. Keys of INDICATORS equal the analytics service's indicator names, so the
// tests compare computeIndicators() with them directly; VARIANTS exercise other parameters.

const HLC = ["high", "low", "close"];
const INDICATORS = [
  { fn: "SMA", in: ["inReal"], opt: { optInTimePeriod: 20 }, out: { outReal: "sma_20" } },
  { fn: "SMA", in: ["inReal"], opt: { optInTimePeriod: 50 }, out: { outReal: "sma_50" } },
  { fn: "SMA", in: ["inReal"], opt: { optInTimePeriod: 200 }, out: { outReal: "sma_200" } },
  { fn: "EMA", in: ["inReal"], opt: { optInTimePeriod: 12 }, out: { outReal: "ema_12" } },
  { fn: "EMA", in: ["inReal"], opt: { optInTimePeriod: 26 }, out: { outReal: "ema_26" } },
  { fn: "RSI", in: ["inReal"], opt: { optInTimePeriod: 14 }, out: { outReal: "rsi_14" } },
  {
    fn: "MACD",
    in: ["inReal"],
    opt: { optInFastPeriod: 12, optInSlowPeriod: 26, optInSignalPeriod: 9 },
    out: { outMACD: "macd", outMACDSignal: "macd_signal", outMACDHist: "macd_hist" },
  },
  {
    fn: "BBANDS",
    in: ["inReal"],
    opt: { optInTimePeriod: 20, optInNbDevUp: 2, optInNbDevDn: 2, optInMAType: 0 },
    out: { outRealUpperBand: "bb_upper", outRealMiddleBand: "bb_middle", outRealLowerBand: "bb_lower" },
  },
  { fn: "ATR", in: HLC, opt: { optInTimePeriod: 14 }, out: { outReal: "atr_14" } },
  {
    fn: "STOCH",
    in: HLC,
    opt: { optInFastK_Period: 14, optInSlowK_Period: 3, optInSlowK_MAType: 0, optInSlowD_Period: 3, optInSlowD_MAType: 0 },
    out: { outSlowK: "stoch_k", outSlowD: "stoch_d" },
  },
  { fn: "ADX", in: HLC, opt: { optInTimePeriod: 14 }, out: { outReal: "adx_14" } },
  { fn: "PLUS_DI", in: HLC, opt: { optInTimePeriod: 14 }, out: { outReal: "plus_di_14" } },
  { fn: "MINUS_DI", in: HLC, opt: { optInTimePeriod: 14 }, out: { outReal: "minus_di_14" } },
  { fn: "OBV", in: ["inReal", "volume"], opt: {}, out: { outReal: "obv" } },
  { fn: "WILLR", in: HLC, opt: { optInTimePeriod: 14 }, out: { outReal: "willr_14" } },
  { fn: "CCI", in: HLC, opt: { optInTimePeriod: 14 }, out: { outReal: "cci_14" } },
  { fn: "MFI", in: [...HLC, "volume"], opt: { optInTimePeriod: 14 }, out: { outReal: "mfi_14" } },
  { fn: "ROC", in: ["inReal"], opt: { optInTimePeriod: 10 }, out: { outReal: "roc_10" } },
];

// Keys read "FN(params):output", TA-Lib's own names.
const VARIANTS = [
  { fn: "SMA", in: ["inReal"], opt: { optInTimePeriod: 2 } },
  { fn: "SMA", in: ["inReal"], opt: { optInTimePeriod: 5 } },
  { fn: "EMA", in: ["inReal"], opt: { optInTimePeriod: 2 } },
  { fn: "EMA", in: ["inReal"], opt: { optInTimePeriod: 5 } },
  { fn: "RSI", in: ["inReal"], opt: { optInTimePeriod: 2 } },
  { fn: "RSI", in: ["inReal"], opt: { optInTimePeriod: 5 } },
  { fn: "MACD", in: ["inReal"], opt: { optInFastPeriod: 5, optInSlowPeriod: 10, optInSignalPeriod: 4 } },
  { fn: "MACD", in: ["inReal"], opt: { optInFastPeriod: 26, optInSlowPeriod: 12, optInSignalPeriod: 9 } },
  { fn: "MACD", in: ["inReal"], opt: { optInFastPeriod: 2, optInSlowPeriod: 3, optInSignalPeriod: 2 } },
  { fn: "BBANDS", in: ["inReal"], opt: { optInTimePeriod: 5, optInNbDevUp: 1.5, optInNbDevDn: 1.5, optInMAType: 0 } },
  { fn: "BBANDS", in: ["inReal"], opt: { optInTimePeriod: 10, optInNbDevUp: 1, optInNbDevDn: 1, optInMAType: 0 } },
  { fn: "ATR", in: HLC, opt: { optInTimePeriod: 1 } },
  { fn: "ATR", in: HLC, opt: { optInTimePeriod: 5 } },
  {
    fn: "STOCH",
    in: HLC,
    opt: { optInFastK_Period: 5, optInSlowK_Period: 3, optInSlowK_MAType: 0, optInSlowD_Period: 3, optInSlowD_MAType: 0 },
  },
  {
    fn: "STOCH",
    in: HLC,
    opt: { optInFastK_Period: 9, optInSlowK_Period: 1, optInSlowK_MAType: 0, optInSlowD_Period: 4, optInSlowD_MAType: 0 },
  },
  { fn: "ADX", in: HLC, opt: { optInTimePeriod: 5 } },
  { fn: "PLUS_DI", in: HLC, opt: { optInTimePeriod: 5 } },
  { fn: "MINUS_DI", in: HLC, opt: { optInTimePeriod: 5 } },
  { fn: "WILLR", in: HLC, opt: { optInTimePeriod: 5 } },
  { fn: "CCI", in: HLC, opt: { optInTimePeriod: 5 } },
  { fn: "CCI", in: HLC, opt: { optInTimePeriod: 20 } },
  { fn: "MFI", in: [...HLC, "volume"], opt: { optInTimePeriod: 5 } },
  { fn: "ROC", in: ["inReal"], opt: { optInTimePeriod: 1 } },
  { fn: "ROC", in: ["inReal"], opt: { optInTimePeriod: 5 } },
];

const CANDLES = [
  { fn: "CDLDOJI", opt: {} },
  { fn: "CDLHAMMER", opt: {} },
  { fn: "CDLHANGINGMAN", opt: {} },
  { fn: "CDLINVERTEDHAMMER", opt: {} },
  { fn: "CDLSHOOTINGSTAR", opt: {} },
  { fn: "CDLENGULFING", opt: {} },
  { fn: "CDLHARAMI", opt: {} },
  { fn: "CDLPIERCING", opt: {} },
  { fn: "CDLDARKCLOUDCOVER", opt: { optInPenetration: 0.5 } },
  { fn: "CDLMORNINGSTAR", opt: { optInPenetration: 0.3 } },
  { fn: "CDLEVENINGSTAR", opt: { optInPenetration: 0.3 } },
  { fn: "CDL3WHITESOLDIERS", opt: {} },
  { fn: "CDL3BLACKCROWS", opt: {} },
];

// ---------------------------------------------------------------------------------------------
// Input series.

/** mulberry32: a tiny deterministic PRNG, uniform in [0, 1). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const cents = (x) => Math.round(x * 100) / 100;
const FIRST_DAY = 19_724; // 2024-01-02, a Tuesday

/** Weekdays from FIRST_DAY on (holidays do not matter to the indicators). */
function weekdays(n) {
  const days = [];
  for (let d = FIRST_DAY; days.length < n; d++) {
    const weekday = (d + 4) % 7; // 1970-01-01 was a Thursday
    if (weekday !== 0 && weekday !== 6) days.push(d);
  }
  return days;
}

function series(name, description, bars) {
  return {
    name,
    description,
    day: weekdays(bars.length),
    open: bars.map((b) => b[0]),
    high: bars.map((b) => b[1]),
    low: bars.map((b) => b[2]),
    close: bars.map((b) => b[3]),
    volume: bars.map((b) => b[4]),
  };
}

/**
 * A random walk in cents with realistic candles: opens often equal the previous close (which
 * exercises TA-Lib's "equal" branches, e.g. ENGULFING's 80), sometimes gap; some candles have no
 * shadow on one side or no body; volume has occasional spikes and, with gapEvery, price gaps.
 */
function randomWalk(n, seed, { start = 100, vol = 0.02, zeroVolume = false, gapEvery = 0 } = {}) {
  const rnd = prng(seed);
  const bars = [];
  let prevClose = start;
  for (let i = 0; i < n; i++) {
    const u = rnd();
    let open = u < 0.35 ? prevClose : prevClose * (1 + (rnd() - 0.5) * vol * 0.5);
    if (gapEvery > 0 && i % gapEvery === gapEvery - 1) open = prevClose * (rnd() < 0.5 ? 0.9 : 1.1);
    let close = rnd() < 0.06 ? open : open * (1 + (rnd() - 0.5) * 2 * vol);
    open = cents(open);
    close = cents(close);
    const top = Math.max(open, close);
    const bottom = Math.min(open, close);
    const high = rnd() < 0.15 ? top : cents(top * (1 + rnd() * vol * 0.8));
    const low = rnd() < 0.15 ? bottom : cents(bottom * (1 - rnd() * vol * 0.8));
    const spike = rnd() < 0.05 ? 4 : 1;
    const volume = zeroVolume ? 0 : Math.round(1_000_000 * (0.5 + rnd()) * spike);
    bars.push([open, high, low, close, volume]);
    prevClose = close;
  }
  return bars;
}

/**
 * Hand-made candles: each template is drawn at the current price level p after twelve ordinary
 * candles (bodies around 0.5, ranges around 1.5), so TA-Lib's "average of the previous N candles"
 * is known when the pattern candles come. Every CDL function fires at least once here.
 */
function craftedCandles() {
  const rnd = prng(4242);
  const bars = [];
  let p = 50;
  const push = (o, h, l, c) => bars.push([cents(o), cents(h), cents(l), cents(c), 100_000 + bars.length * 1000]);
  const fillers = (count) => {
    for (let k = 0; k < count; k++) {
      const up = (bars.length + k) % 2 === 0;
      const body = 0.4 + rnd() * 0.2;
      const o = up ? p - body / 2 : p + body / 2;
      const c = up ? p + body / 2 : p - body / 2;
      push(o, Math.max(o, c) + 0.5, Math.min(o, c) - 0.5, c);
    }
  };
  // Each template: candles relative to p (open, high, low, close); p moves to the last close.
  const templates = {
    doji: [[0, 1, -1, 0]],
    hammer: [[-0.6, -0.4, -2.2, -0.4]],
    hangingMan: [[0.75, 0.95, -0.8, 0.95]],
    invertedHammer: [[-0.5, 0.5, -2, 0], [-1, 0.4, -1, -0.8]],
    shootingStar: [[0.5, 2, -0.5, 0], [1, 2.6, 0.8, 0.8]],
    bullishEngulfing: [[0.3, 0.6, -0.2, 0], [-0.1, 0.9, -0.3, 0.7]],
    bullishEngulfing80: [[0.3, 0.6, -0.2, 0], [0, 0.9, -0.3, 0.7]],
    bearishEngulfing: [[0, 0.6, -0.2, 0.3], [0.4, 0.5, -0.5, -0.2]],
    bearishEngulfing80: [[0, 0.6, -0.2, 0.3], [0.3, 0.5, -0.5, -0.2]],
    bearishHarami: [[0, 2.2, -0.2, 2], [1.2, 1.4, 0.8, 0.9]],
    bearishHarami80: [[0, 2.2, -0.2, 2], [2, 2.1, 1.7, 1.8]],
    bullishHarami: [[2, 2.2, -0.2, 0], [0.9, 1.4, 0.8, 1.2]],
    piercing: [[2, 2.1, -0.2, 0], [-0.5, 1.6, -0.6, 1.5]],
    darkCloud: [[0, 2.2, -0.1, 2], [2.5, 2.6, 0.7, 0.8]],
    morningStar: [[2, 2.1, -0.1, 0], [-0.5, -0.3, -0.7, -0.4], [-0.3, 1.3, -0.4, 1.2]],
    eveningStar: [[0, 2.1, -0.1, 2], [2.5, 2.7, 2.3, 2.4], [2.3, 2.4, 0.7, 0.8]],
    threeWhiteSoldiers: [[0, 1, -0.2, 1], [0.5, 1.5, 0.4, 1.5], [1, 2, 0.9, 2]],
    threeBlackCrows: [[0, 1.2, -0.1, 1], [1, 1.1, 0, 0], [0.5, 0.6, -1, -1], [-0.5, -0.4, -2, -2]],
  };
  fillers(12);
  for (const candles of Object.values(templates)) {
    const base = p;
    for (const [o, h, l, c] of candles) push(base + o, base + h, base + l, base + c);
    p = bars[bars.length - 1][3];
    fillers(12);
  }
  return bars;
}

const SERIES = [
  series("random-walk", "400 bars, random walk in cents, seed 20240102", randomWalk(400, 20_240_102)),
  series("random-walk-volatile", "300 bars, 6% daily moves, a 10% price gap every 17 bars, seed 7", randomWalk(300, 7, { vol: 0.06, gapEvery: 17 })),
  series("flat", "60 identical bars: o=h=l=c=100, volume 1000", Array.from({ length: 60 }, () => [100, 100, 100, 100, 1000])),
  series("short", "10 bars: shorter than every lookback but OBV's and a few CDLs'", randomWalk(10, 99)),
  series("zero-volume", "80 bars of random walk, volume always 0", randomWalk(80, 11, { zeroVolume: true })),
  series(
    "ramp",
    "40 bars rising 1 a day, then 40 falling 1 a day: RSI 100 then 0, Williams %R at the extremes",
    Array.from({ length: 80 }, (_, i) => {
      const c = i < 40 ? 100 + i : 179 - i;
      return [c - 0.5 * Math.sign(39.5 - i), c + 0.25, c - 0.75, c, 5000 + 10 * i];
    }),
  ),
  series("candles", "hand-made candles that trigger each of the 13 candlestick patterns", craftedCandles()),
];

// ---------------------------------------------------------------------------------------------
// Calling TA-Lib.

function callInputs(spec, s) {
  const params = {};
  for (const name of spec.in) params[name] = name === "inReal" ? s.close : s[name];
  return params;
}

/** TA-Lib over the whole series (startIdx 0), padded to the input length: null = no value. */
function run(fn, inputs, opt, n, startIdx = 0, endIdx = n - 1) {
  const r = talib.execute({ name: fn, startIdx, endIdx, ...inputs, ...opt });
  if (r.error) throw new Error(`${fn}: ${JSON.stringify(r.error)}`);
  const outputs = {};
  for (const [name, values] of Object.entries(r.result)) {
    const padded = Array.from({ length: n }, () => null);
    for (let k = 0; k < r.nbElement; k++) padded[r.begIndex + k] = values[k];
    outputs[name] = padded;
  }
  return outputs;
}

const variantKey = (spec, output) => `${spec.fn}(${Object.values(spec.opt).join(",")}):${output}`;

function fixtureFor(s) {
  const n = s.close.length;
  const ohlc = { open: s.open, high: s.high, low: s.low, close: s.close };
  const indicators = {};
  for (const spec of INDICATORS) {
    const out = run(spec.fn, callInputs(spec, s), spec.opt, n);
    for (const [talibName, ourName] of Object.entries(spec.out)) indicators[ourName] = out[talibName];
  }
  const variants = {};
  for (const spec of VARIANTS) {
    const out = run(spec.fn, callInputs(spec, s), spec.opt, n);
    for (const [talibName, values] of Object.entries(out)) variants[variantKey(spec, talibName)] = values;
  }
  const candles = {};
  const candlesAt = {};
  for (const spec of CANDLES) {
    candles[spec.fn] = run(spec.fn, ohlc, spec.opt, n).outInteger.map((v) => v ?? 0);
    // TA-Lib asked about one bar at a time (startIdx = endIdx = i): its candle averages are then
    // plain sums of the previous N candles, which is what a per-bar detection computes.
    candlesAt[spec.fn] = Array.from({ length: n }, (_, i) => run(spec.fn, ohlc, spec.opt, n, i, i).outInteger[i] ?? 0);
  }
  return { series: s, indicators, variants, candles, candlesAt };
}

// ---------------------------------------------------------------------------------------------

mkdirSync(outDir, { recursive: true });
const fired = new Map(CANDLES.map((c) => [c.fn, 0]));
for (const s of SERIES) {
  const fixture = {
    generatedBy: "scripts/talib-reference/generate.mjs",
    talib: `TA-Lib C sources from the npm package talib@2.0.5 (addon version ${talib.version})`,
    ...fixtureFor(s),
  };
  for (const [fn, values] of Object.entries(fixture.candles)) fired.set(fn, fired.get(fn) + values.filter((v) => v !== 0).length);
  writeFileSync(join(outDir, `${s.name}.json`), `${JSON.stringify(fixture)}\n`);
  console.log(`wrote ${s.name}.json (${s.close.length} bars)`);
}
const silent = [...fired].filter(([, count]) => count === 0).map(([fn]) => fn);
console.log(`candle hits: ${[...fired].map(([fn, count]) => `${fn}=${count}`).join(" ")}`);
if (silent.length > 0) {
  console.error(`never fired: ${silent.join(", ")}; adjust the hand-made candles`);
  process.exit(1);
}
