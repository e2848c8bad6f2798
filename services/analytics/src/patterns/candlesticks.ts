// The 13 candlestick patterns, exactly TA-Lib's CDL functions (ta_func/ta_CDL*.c) with the default
// candle settings. Each pattern is data: its TA-Lib lookback, the candle-setting totals it needs
// (setting, and how many candles back the judged candle is), and its test on bar i given those
// totals. Two drivers run a pattern: over a whole series with TA-Lib's rolling totals
// (candlePatternSeries, the same numbers as TA_CDLxxx(0, n-1)), or on one bar with totals summed
// afresh (candlePatternAt, the same numbers as TA_CDLxxx(i, i)). Outputs are TA-Lib's integers:
// 0, ±100, and ±80 for ENGULFING's and HARAMI's "one end of the bodies matches" case.
import {
  BODY_DOJI,
  BODY_LONG,
  BODY_SHORT,
  FAR,
  NEAR,
  SHADOW_LONG,
  SHADOW_VERY_SHORT,
  bodyBottom,
  bodyGapDown,
  bodyGapUp,
  bodyTop,
  candleAverage as avg,
  candleColor as color,
  lowerShadow,
  realBody,
  rollTotal,
  totalBefore,
  upperShadow,
  type CandleSetting,
  type Ohlc,
} from "./candle-settings.ts";

export interface CandlePattern {
  /** Our name (snake_case), as stored and published. */
  name: string;
  /** The TA-Lib function it reproduces. */
  talib: string;
  /** TA-Lib's lookback: the first bar that can answer. */
  lookback: number;
  /** Totals the test reads, in order: [setting, offset of the judged candle from bar i]. */
  totals: readonly (readonly [CandleSetting, number])[];
  /** TA-Lib's answer on bar i, given t[k] = the total of totals[k] for candle i - offset. */
  test(b: Ohlc, i: number, t: Float64Array): number;
}

const maxPeriod = (...settings: CandleSetting[]): number => Math.max(...settings.map((s) => s.avgPeriod));

/** CDLDARKCLOUDCOVER's default optInPenetration. */
export const DARK_CLOUD_PENETRATION = 0.5;
/** CDLMORNINGSTAR's and CDLEVENINGSTAR's default optInPenetration. */
export const STAR_PENETRATION = 0.3;

/** ta_CDLDOJI.c: body <= 10% of the average high-low range. Always 100 (neither bull nor bear). */
export const DOJI: CandlePattern = {
  name: "doji",
  talib: "CDLDOJI",
  lookback: maxPeriod(BODY_DOJI),
  totals: [[BODY_DOJI, 0]],
  test: (b, i, t) => (realBody(b, i) <= avg(BODY_DOJI, t[0], b, i) ? 100 : 0),
};

/** Small body, long lower shadow, (almost) no upper shadow: shared by hammer and hanging man. */
function isHammerShape(b: Ohlc, i: number, t: Float64Array): boolean {
  return (
    realBody(b, i) < avg(BODY_SHORT, t[0], b, i) &&
    lowerShadow(b, i) > avg(SHADOW_LONG, t[1], b, i) &&
    upperShadow(b, i) < avg(SHADOW_VERY_SHORT, t[2], b, i)
  );
}

const HAMMER_TOTALS = [[BODY_SHORT, 0], [SHADOW_LONG, 0], [SHADOW_VERY_SHORT, 0], [NEAR, 1]] as const;

/** ta_CDLHAMMER.c: hammer shape with its body near or below the prior candle's low. */
export const HAMMER: CandlePattern = {
  name: "hammer",
  talib: "CDLHAMMER",
  lookback: maxPeriod(BODY_SHORT, SHADOW_LONG, SHADOW_VERY_SHORT, NEAR) + 1,
  totals: HAMMER_TOTALS,
  test: (b, i, t) =>
    isHammerShape(b, i, t) && bodyBottom(b, i) <= b.low[i - 1] + avg(NEAR, t[3], b, i - 1) ? 100 : 0,
};

/** ta_CDLHANGINGMAN.c: hammer shape with its body near or above the prior candle's high. */
export const HANGING_MAN: CandlePattern = {
  name: "hanging_man",
  talib: "CDLHANGINGMAN",
  lookback: maxPeriod(BODY_SHORT, SHADOW_LONG, SHADOW_VERY_SHORT, NEAR) + 1,
  totals: HAMMER_TOTALS,
  test: (b, i, t) =>
    isHammerShape(b, i, t) && bodyBottom(b, i) >= b.high[i - 1] - avg(NEAR, t[3], b, i - 1) ? -100 : 0,
};

/** Small body, long upper shadow, (almost) no lower shadow: inverted hammer and shooting star. */
function isInvertedShape(b: Ohlc, i: number, t: Float64Array): boolean {
  return (
    realBody(b, i) < avg(BODY_SHORT, t[0], b, i) &&
    upperShadow(b, i) > avg(SHADOW_LONG, t[1], b, i) &&
    lowerShadow(b, i) < avg(SHADOW_VERY_SHORT, t[2], b, i)
  );
}

const INVERTED_TOTALS = [[BODY_SHORT, 0], [SHADOW_LONG, 0], [SHADOW_VERY_SHORT, 0]] as const;

/** ta_CDLINVERTEDHAMMER.c: inverted shape whose body gaps down from the prior body. */
export const INVERTED_HAMMER: CandlePattern = {
  name: "inverted_hammer",
  talib: "CDLINVERTEDHAMMER",
  lookback: maxPeriod(BODY_SHORT, SHADOW_LONG, SHADOW_VERY_SHORT) + 1,
  totals: INVERTED_TOTALS,
  test: (b, i, t) => (isInvertedShape(b, i, t) && bodyGapDown(b, i, i - 1) ? 100 : 0),
};

/** ta_CDLSHOOTINGSTAR.c: inverted shape whose body gaps up from the prior body. */
export const SHOOTING_STAR: CandlePattern = {
  name: "shooting_star",
  talib: "CDLSHOOTINGSTAR",
  lookback: maxPeriod(BODY_SHORT, SHADOW_LONG, SHADOW_VERY_SHORT) + 1,
  totals: INVERTED_TOTALS,
  test: (b, i, t) => (isInvertedShape(b, i, t) && bodyGapUp(b, i, i - 1) ? -100 : 0),
};

/**
 * ta_CDLENGULFING.c: a body of the other colour that engulfs the prior one; ±100 when it goes
 * beyond both ends, ±80 when one end matches (open == prior close or close == prior open).
 */
export const ENGULFING: CandlePattern = {
  name: "engulfing",
  talib: "CDLENGULFING",
  lookback: 2,
  totals: [],
  test: (b, i) => {
    const o = b.open[i];
    const c = b.close[i];
    const po = b.open[i - 1];
    const pc = b.close[i - 1];
    const white = color(b, i);
    const engulfs =
      (white === 1 && color(b, i - 1) === -1 && ((c >= po && o < pc) || (c > po && o <= pc))) ||
      (white === -1 && color(b, i - 1) === 1 && ((o >= pc && c < po) || (o > pc && c <= po)));
    if (!engulfs) return 0;
    return o !== pc && c !== po ? white * 100 : white * 80;
  },
};

/**
 * ta_CDLHARAMI.c: a long body, then a short one inside it; -100 × the first candle's colour when
 * strictly inside, ×80 when one end matches.
 */
export const HARAMI: CandlePattern = {
  name: "harami",
  talib: "CDLHARAMI",
  lookback: maxPeriod(BODY_SHORT, BODY_LONG) + 1,
  totals: [[BODY_LONG, 1], [BODY_SHORT, 0]],
  test: (b, i, t) => {
    if (!(realBody(b, i - 1) > avg(BODY_LONG, t[0], b, i - 1) && realBody(b, i) <= avg(BODY_SHORT, t[1], b, i))) {
      return 0;
    }
    const top = bodyTop(b, i);
    const bottom = bodyBottom(b, i);
    const priorTop = bodyTop(b, i - 1);
    const priorBottom = bodyBottom(b, i - 1);
    if (top < priorTop && bottom > priorBottom) return -color(b, i - 1) * 100;
    if (top <= priorTop && bottom >= priorBottom) return -color(b, i - 1) * 80;
    return 0;
  },
};

/**
 * ta_CDLPIERCING.c: long black, then long white opening below its low and closing above the
 * middle of its body but below its open.
 */
export const PIERCING: CandlePattern = {
  name: "piercing",
  talib: "CDLPIERCING",
  lookback: maxPeriod(BODY_LONG) + 1,
  totals: [[BODY_LONG, 1], [BODY_LONG, 0]],
  test: (b, i, t) =>
    color(b, i - 1) === -1 &&
    realBody(b, i - 1) > avg(BODY_LONG, t[0], b, i - 1) &&
    color(b, i) === 1 &&
    realBody(b, i) > avg(BODY_LONG, t[1], b, i) &&
    b.open[i] < b.low[i - 1] &&
    b.close[i] < b.open[i - 1] &&
    b.close[i] > b.close[i - 1] + realBody(b, i - 1) * 0.5
      ? 100
      : 0,
};

/**
 * ta_CDLDARKCLOUDCOVER.c, penetration 0.5: long white, then black opening above its high and
 * closing inside its body, below close - 50% of the body.
 */
export const DARK_CLOUD_COVER: CandlePattern = {
  name: "dark_cloud_cover",
  talib: "CDLDARKCLOUDCOVER",
  lookback: maxPeriod(BODY_LONG) + 1,
  totals: [[BODY_LONG, 1]],
  test: (b, i, t) =>
    color(b, i - 1) === 1 &&
    realBody(b, i - 1) > avg(BODY_LONG, t[0], b, i - 1) &&
    color(b, i) === -1 &&
    b.open[i] > b.high[i - 1] &&
    b.close[i] > b.open[i - 1] &&
    b.close[i] < b.close[i - 1] - realBody(b, i - 1) * DARK_CLOUD_PENETRATION
      ? -100
      : 0,
};

const STAR_TOTALS = [[BODY_LONG, 2], [BODY_SHORT, 1], [BODY_SHORT, 0]] as const;

/**
 * ta_CDLMORNINGSTAR.c, penetration 0.3: long black; a short body gapping down; a white body
 * longer than short closing above close1 + 30% of the first body.
 */
export const MORNING_STAR: CandlePattern = {
  name: "morning_star",
  talib: "CDLMORNINGSTAR",
  lookback: maxPeriod(BODY_SHORT, BODY_LONG) + 2,
  totals: STAR_TOTALS,
  test: (b, i, t) =>
    realBody(b, i - 2) > avg(BODY_LONG, t[0], b, i - 2) &&
    color(b, i - 2) === -1 &&
    realBody(b, i - 1) <= avg(BODY_SHORT, t[1], b, i - 1) &&
    bodyGapDown(b, i - 1, i - 2) &&
    realBody(b, i) > avg(BODY_SHORT, t[2], b, i) &&
    color(b, i) === 1 &&
    b.close[i] > b.close[i - 2] + realBody(b, i - 2) * STAR_PENETRATION
      ? 100
      : 0,
};

/** ta_CDLEVENINGSTAR.c, penetration 0.3: the mirror image of the morning star. */
export const EVENING_STAR: CandlePattern = {
  name: "evening_star",
  talib: "CDLEVENINGSTAR",
  lookback: maxPeriod(BODY_SHORT, BODY_LONG) + 2,
  totals: STAR_TOTALS,
  test: (b, i, t) =>
    realBody(b, i - 2) > avg(BODY_LONG, t[0], b, i - 2) &&
    color(b, i - 2) === 1 &&
    realBody(b, i - 1) <= avg(BODY_SHORT, t[1], b, i - 1) &&
    bodyGapUp(b, i - 1, i - 2) &&
    realBody(b, i) > avg(BODY_SHORT, t[2], b, i) &&
    color(b, i) === -1 &&
    b.close[i] < b.close[i - 2] - realBody(b, i - 2) * STAR_PENETRATION
      ? -100
      : 0,
};

/**
 * ta_CDL3WHITESOLDIERS.c: three white candles with very short upper shadows, higher closes,
 * each opening inside (or near) the prior body, none far shorter than the prior, the last not short.
 * totals: very-short shadow for candles i-2, i-1, i; near and far for i-2, i-1; short body for i.
 */
export const THREE_WHITE_SOLDIERS: CandlePattern = {
  name: "three_white_soldiers",
  talib: "CDL3WHITESOLDIERS",
  lookback: maxPeriod(SHADOW_VERY_SHORT, BODY_SHORT, FAR, NEAR) + 2,
  totals: [
    [SHADOW_VERY_SHORT, 2], [SHADOW_VERY_SHORT, 1], [SHADOW_VERY_SHORT, 0],
    [NEAR, 2], [NEAR, 1], [FAR, 2], [FAR, 1], [BODY_SHORT, 0],
  ],
  test: (b, i, t) =>
    color(b, i - 2) === 1 &&
    upperShadow(b, i - 2) < avg(SHADOW_VERY_SHORT, t[0], b, i - 2) &&
    color(b, i - 1) === 1 &&
    upperShadow(b, i - 1) < avg(SHADOW_VERY_SHORT, t[1], b, i - 1) &&
    color(b, i) === 1 &&
    upperShadow(b, i) < avg(SHADOW_VERY_SHORT, t[2], b, i) &&
    b.close[i] > b.close[i - 1] &&
    b.close[i - 1] > b.close[i - 2] &&
    b.open[i - 1] > b.open[i - 2] &&
    b.open[i - 1] <= b.close[i - 2] + avg(NEAR, t[3], b, i - 2) &&
    b.open[i] > b.open[i - 1] &&
    b.open[i] <= b.close[i - 1] + avg(NEAR, t[4], b, i - 1) &&
    realBody(b, i - 1) > realBody(b, i - 2) - avg(FAR, t[5], b, i - 2) &&
    realBody(b, i) > realBody(b, i - 1) - avg(FAR, t[6], b, i - 1) &&
    realBody(b, i) > avg(BODY_SHORT, t[7], b, i)
      ? 100
      : 0,
};

/**
 * ta_CDL3BLACKCROWS.c: a white candle, then three black ones with very short lower shadows, each
 * opening inside the prior body and closing lower, the first closing under the white one's high.
 */
export const THREE_BLACK_CROWS: CandlePattern = {
  name: "three_black_crows",
  talib: "CDL3BLACKCROWS",
  lookback: maxPeriod(SHADOW_VERY_SHORT) + 3,
  totals: [[SHADOW_VERY_SHORT, 2], [SHADOW_VERY_SHORT, 1], [SHADOW_VERY_SHORT, 0]],
  test: (b, i, t) =>
    color(b, i - 3) === 1 &&
    color(b, i - 2) === -1 &&
    lowerShadow(b, i - 2) < avg(SHADOW_VERY_SHORT, t[0], b, i - 2) &&
    color(b, i - 1) === -1 &&
    lowerShadow(b, i - 1) < avg(SHADOW_VERY_SHORT, t[1], b, i - 1) &&
    color(b, i) === -1 &&
    lowerShadow(b, i) < avg(SHADOW_VERY_SHORT, t[2], b, i) &&
    b.open[i - 1] < b.open[i - 2] &&
    b.open[i - 1] > b.close[i - 2] &&
    b.open[i] < b.open[i - 1] &&
    b.open[i] > b.close[i - 1] &&
    b.high[i - 3] > b.close[i - 2] &&
    b.close[i - 2] > b.close[i - 1] &&
    b.close[i - 1] > b.close[i]
      ? -100
      : 0,
};

export const CANDLE_PATTERNS: readonly CandlePattern[] = [
  DOJI,
  HAMMER,
  HANGING_MAN,
  INVERTED_HAMMER,
  SHOOTING_STAR,
  ENGULFING,
  HARAMI,
  PIERCING,
  DARK_CLOUD_COVER,
  MORNING_STAR,
  EVENING_STAR,
  THREE_WHITE_SOLDIERS,
  THREE_BLACK_CROWS,
];

/** A pattern over a whole series: TA_CDLxxx(startIdx 0, endIdx n-1), 0 inside the lookback. */
export function candlePatternSeries(p: CandlePattern, b: Ohlc): Int32Array {
  const n = b.close.length;
  const out = new Int32Array(n);
  if (n <= p.lookback) return out;
  const t = new Float64Array(p.totals.length);
  for (let k = 0; k < t.length; k++) {
    const [setting, back] = p.totals[k];
    t[k] = totalBefore(setting, b, p.lookback - back);
  }
  for (let i = p.lookback; i < n; i++) {
    out[i] = p.test(b, i, t);
    for (let k = 0; k < t.length; k++) {
      const [setting, back] = p.totals[k];
      t[k] = rollTotal(setting, t[k], b, i - back);
    }
  }
  return out;
}

// Totals for candlePatternAt; no pattern needs more than 8. Safe to share: tests never re-enter.
const scratch = new Float64Array(8);

/** A pattern on bar i alone: TA_CDLxxx(startIdx i, endIdx i); 0 inside the lookback. */
export function candlePatternAt(p: CandlePattern, b: Ohlc, i: number): number {
  if (i < p.lookback || i >= b.close.length) return 0;
  for (let k = 0; k < p.totals.length; k++) {
    const [setting, back] = p.totals[k];
    scratch[k] = totalBefore(setting, b, i - back);
  }
  return p.test(b, i, scratch);
}

// Raw per-pattern functions, named and shaped like TA-Lib's (open, high, low, close) -> integers.
const overSeries = (p: CandlePattern) => (open: Float64Array, high: Float64Array, low: Float64Array, close: Float64Array) =>
  candlePatternSeries(p, { open, high, low, close });

export const cdlDoji = overSeries(DOJI);
export const cdlHammer = overSeries(HAMMER);
export const cdlHangingMan = overSeries(HANGING_MAN);
export const cdlInvertedHammer = overSeries(INVERTED_HAMMER);
export const cdlShootingStar = overSeries(SHOOTING_STAR);
export const cdlEngulfing = overSeries(ENGULFING);
export const cdlHarami = overSeries(HARAMI);
export const cdlPiercing = overSeries(PIERCING);
export const cdlDarkCloudCover = overSeries(DARK_CLOUD_COVER);
export const cdlMorningStar = overSeries(MORNING_STAR);
export const cdlEveningStar = overSeries(EVENING_STAR);
export const cdl3WhiteSoldiers = overSeries(THREE_WHITE_SOLDIERS);
export const cdl3BlackCrows = overSeries(THREE_BLACK_CROWS);
