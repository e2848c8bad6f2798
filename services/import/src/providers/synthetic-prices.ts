// The synthetic price path. Every symbol has a log price L(t) defined on every calendar day t
// (days since 1970-01-01), computed in O(1) from (seed, symbol, t) alone, so a bar is identical
// whether it is generated alone or inside a backfill:
//
//   L(t) = level + drift·D(t) + Σ sines(t) + σ·Σ_octaves A_o·valueNoise_o(t) + β·M(t) + S_sector(t)
//
// - D(t) = 10·tanh(years since the reference day / 10): a drift that fades far from it, so
//   prices stay sane decades back and forward.
// - sines: two per symbol, frequencies from a market-wide table of 16 (so sin/cos are computed
//   once per date, not per bar) with per-symbol phases and amplitudes: smooth cycles.
// - valueNoise_o: 1-D value noise with lattice spacing 1, 4, 16, 64, 256 days: a random value in
//   [-1, 1) at each lattice point (a counter-based hash of (symbol, octave, point)), smoothstep
//   interpolated. Octave 1 is the day-to-day noise (mean-reverting), the long octaves are
//   trends and swings of weeks to a year; the sum is bounded, so prices never drift away.
// - M(t), S(t): the same noise for the market and for each sector (computed once per date),
//   so symbols move together, as real ones do.
// A bar on trading day t, tp the previous trading day: close = e^L(t); open = e^(L(tp) + gap);
// high/low = max/min(open, close) widened by wicks; volume = base × lognormal noise ×
// (1 + 10·|L(t) − L(tp)|). Prices are whole cents (at least 1 cent), computed in integer cents
// so that high ≥ max(open, close) ≥ min(open, close) ≥ low holds exactly.
import { mix32 } from "./synthetic-random.ts";

export const OCTAVE_SPACING = [1, 4, 16, 64, 256] as const;
/** Amplitude of each octave, in units of the symbol's daily σ. */
const OCTAVE_AMPLITUDE = [1.0, 1.2, 2.5, 5, 9] as const;
const OCTAVES = OCTAVE_SPACING.length;
export const SINE_PERIODS_DAYS = [23, 31, 41, 53, 67, 83, 97, 113, 137, 163, 191, 229, 263, 307, 353, 409] as const;
const TO_SIGNED_UNIT = 2 / 4294967296;

/** Per-symbol parameters of the price path, one typed-array slot per symbol. */
export interface PriceParams {
  count: number;
  refDay: number;
  key: Int32Array;
  level: Float64Array; // log price around the reference day
  drift: Float64Array; // log change per year near the reference day
  sigma: Float64Array; // daily volatility
  beta: Float64Array; // loading on the market factor
  sector: Uint8Array; // which sector factor
  sine1: Uint8Array; // index into SINE_PERIODS_DAYS
  sine2: Uint8Array;
  sineCos1: Float64Array; // amplitude·cos(phase)
  sineSin1: Float64Array; // amplitude·sin(phase)
  sineCos2: Float64Array;
  sineSin2: Float64Array;
  volumeBase: Float64Array; // mean shares traded per day
  /** Market and sector factor keys: [market, sector 0, sector 1, …]. */
  factorKeys: Int32Array;
}

export function allocatePriceParams(count: number, refDay: number, sectors: number): PriceParams {
  const f64 = () => new Float64Array(count);
  return {
    count,
    refDay,
    key: new Int32Array(count),
    level: f64(),
    drift: f64(),
    sigma: f64(),
    beta: f64(),
    sector: new Uint8Array(count),
    sine1: new Uint8Array(count),
    sine2: new Uint8Array(count),
    sineCos1: f64(),
    sineSin1: f64(),
    sineCos2: f64(),
    sineSin2: f64(),
    volumeBase: f64(),
    factorKeys: new Int32Array(1 + sectors),
  };
}

/** Everything about day t (and the previous trading day tp) that is shared by all symbols. */
interface DayContext {
  // Per octave: mix32 of the lattice points around tp (A, B) and around t (C, D), and the
  // smoothstep weights of B at tp and of D at t. When tp and t share a cell, C = A and D = B.
  counterA: Int32Array;
  counterB: Int32Array;
  counterC: Int32Array;
  counterD: Int32Array;
  shared: Uint8Array;
  weightPrev: Float64Array;
  weightCur: Float64Array;
  driftPrev: number;
  driftCur: number;
  sinPrev: Float64Array;
  cosPrev: Float64Array;
  sinCur: Float64Array;
  cosCur: Float64Array;
  factorPrev: Float64Array; // [market, sectors…] at tp
  factorCur: Float64Array; // … at t
  barCounter: number; // mix32 of the counter for the per-bar draws (gap, wicks, volume)
}

const MARKET_SIGMA = 0.009;
const SECTOR_SIGMA = 0.006;

function dayContext(p: PriceParams, t: number, tp: number): DayContext {
  const sines = SINE_PERIODS_DAYS.length;
  const ctx: DayContext = {
    counterA: new Int32Array(OCTAVES),
    counterB: new Int32Array(OCTAVES),
    counterC: new Int32Array(OCTAVES),
    counterD: new Int32Array(OCTAVES),
    shared: new Uint8Array(OCTAVES),
    weightPrev: new Float64Array(OCTAVES),
    weightCur: new Float64Array(OCTAVES),
    driftPrev: fadingYears(tp - p.refDay),
    driftCur: fadingYears(t - p.refDay),
    sinPrev: new Float64Array(sines),
    cosPrev: new Float64Array(sines),
    sinCur: new Float64Array(sines),
    cosCur: new Float64Array(sines),
    factorPrev: new Float64Array(p.factorKeys.length),
    factorCur: new Float64Array(p.factorKeys.length),
    barCounter: mix32(t * 8 + 7 + 0x9e3779b9) | 0,
  };
  for (let o = 0; o < OCTAVES; o++) {
    const spacing = OCTAVE_SPACING[o];
    // Each day is evaluated in its own cell, k = floor(day / spacing), so L(day) never depends
    // on which other day it is computed with (bit for bit); tp and t often share a cell.
    const kp = Math.floor(tp / spacing);
    const kc = Math.floor(t / spacing);
    ctx.counterA[o] = lattice(kp, o);
    ctx.counterB[o] = lattice(kp + 1, o);
    ctx.counterC[o] = lattice(kc, o);
    ctx.counterD[o] = lattice(kc + 1, o);
    ctx.shared[o] = kc === kp ? 1 : 0;
    ctx.weightPrev[o] = smoothstep((tp - kp * spacing) / spacing);
    ctx.weightCur[o] = smoothstep((t - kc * spacing) / spacing);
  }
  for (let s = 0; s < sines; s++) {
    const w = (2 * Math.PI) / SINE_PERIODS_DAYS[s];
    ctx.sinPrev[s] = Math.sin(w * tp);
    ctx.cosPrev[s] = Math.cos(w * tp);
    ctx.sinCur[s] = Math.sin(w * t);
    ctx.cosCur[s] = Math.cos(w * t);
  }
  for (let f = 0; f < p.factorKeys.length; f++) {
    const sigma = f === 0 ? MARKET_SIGMA : SECTOR_SIGMA;
    noisePair(ctx, p.factorKeys[f], scratch);
    ctx.factorPrev[f] = sigma * scratch[0];
    ctx.factorCur[f] = sigma * scratch[1];
  }
  return ctx;
}

const scratch = new Float64Array(2);

/**
 * The octave sum at tp and at t for one key, into out[0] and out[1]. A day on a lattice point
 * (weight 0) is that point's value, so its neighbour is not hashed: octave 1 costs 2 hashes.
 */
function noisePair(ctx: DayContext, key: number, out: Float64Array): void {
  let prev = 0;
  let cur = 0;
  for (let o = 0; o < OCTAVES; o++) {
    const wp = ctx.weightPrev[o];
    const wc = ctx.weightCur[o];
    const shared = ctx.shared[o] === 1;
    const a = mix32(key ^ ctx.counterA[o]) * TO_SIGNED_UNIT - 1;
    const b = wp !== 0 || (shared && wc !== 0) ? mix32(key ^ ctx.counterB[o]) * TO_SIGNED_UNIT - 1 : 0;
    prev += OCTAVE_AMPLITUDE[o] * (wp !== 0 ? a + (b - a) * wp : a);
    if (shared) {
      cur += OCTAVE_AMPLITUDE[o] * (wc !== 0 ? a + (b - a) * wc : a);
    } else {
      const c = mix32(key ^ ctx.counterC[o]) * TO_SIGNED_UNIT - 1;
      const d = wc !== 0 ? mix32(key ^ ctx.counterD[o]) * TO_SIGNED_UNIT - 1 : 0;
      cur += OCTAVE_AMPLITUDE[o] * (wc !== 0 ? c + (d - c) * wc : c);
    }
  }
  out[0] = prev;
  out[1] = cur;
}

function lattice(k: number, octave: number): number {
  return mix32(k * 8 + octave + 0x9e3779b9) | 0;
}

/** Output columns of fillBars, written from index 0 in the order of `rows`. */
export interface BarColumns {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

/**
 * Computes the bars of day t, whose previous trading day is tp, for the symbols listed in
 * `rows` (symbol indices), writing row j of the output for symbol rows[j]. The hot loop of the
 * synthetic provider: no allocation per bar; 11 to 18 integer hashes, 2 exp and a few table lookups per bar.
 */
export function fillBars(p: PriceParams, t: number, tp: number, rows: Int32Array, out: BarColumns): void {
  const ctx = dayContext(p, t, tp);
  const { sinPrev, cosPrev, sinCur, cosCur, factorPrev, factorCur } = ctx;
  const marketPrev = factorPrev[0];
  const marketCur = factorCur[0];
  const noise = new Float64Array(2);
  for (let j = 0; j < rows.length; j++) {
    const i = rows[j];
    const key = p.key[i];
    noisePair(ctx, key, noise);
    const noisePrev = noise[0];
    const noiseCur = noise[1];
    const sigma = p.sigma[i];
    const s1 = p.sine1[i];
    const s2 = p.sine2[i];
    const sec = 1 + p.sector[i];
    const base = p.level[i];
    const drift = p.drift[i];
    const beta = p.beta[i];
    const logPrev =
      base + drift * ctx.driftPrev + sigma * noisePrev + beta * marketPrev + factorPrev[sec] +
      p.sineSin1[i] * cosPrev[s1] + p.sineCos1[i] * sinPrev[s1] + p.sineSin2[i] * cosPrev[s2] + p.sineCos2[i] * sinPrev[s2];
    const logCur =
      base + drift * ctx.driftCur + sigma * noiseCur + beta * marketCur + factorCur[sec] +
      p.sineSin1[i] * cosCur[s1] + p.sineCos1[i] * sinCur[s1] + p.sineSin2[i] * cosCur[s2] + p.sineCos2[i] * sinCur[s2];

    // One hash, four bytes: gap, upper wick, lower wick, volume noise.
    const h = mix32(key ^ ctx.barCounter);
    const openCents = cents(Math.exp(logPrev + 0.3 * sigma * FAT_NORMAL[h & 0xff]));
    const closeCents = cents(Math.exp(logCur));
    const top = openCents > closeCents ? openCents : closeCents;
    const bottom = openCents > closeCents ? closeCents : openCents;
    const highCents = top + Math.round(top * 0.6 * sigma * HALF_NORMAL[(h >>> 8) & 0xff]);
    const lowCents = Math.max(1, bottom - Math.round(bottom * 0.6 * sigma * HALF_NORMAL[(h >>> 16) & 0xff]));
    const move = logCur > logPrev ? logCur - logPrev : logPrev - logCur;
    out.open[j] = openCents / 100;
    out.close[j] = closeCents / 100;
    out.high[j] = highCents / 100;
    out.low[j] = lowCents / 100;
    out.volume[j] = Math.round(p.volumeBase[i] * LOGNORMAL[h >>> 24] * (1 + 10 * move));
  }
}

/** Closes of day t for every symbol (listed or not): for market caps and calibration. */
export function closesOn(p: PriceParams, t: number): Float64Array {
  const rows = new Int32Array(p.count);
  for (let i = 0; i < p.count; i++) rows[i] = i;
  const cols: BarColumns = {
    open: new Float64Array(p.count),
    high: new Float64Array(p.count),
    low: new Float64Array(p.count),
    close: new Float64Array(p.count),
    volume: new Float64Array(p.count),
  };
  fillBars(p, t, t - 1, rows, cols);
  return cols.close;
}

function cents(price: number): number {
  const c = Math.round(price * 100);
  return c >= 1 ? c : 1;
}

function smoothstep(f: number): number {
  return f * f * (3 - 2 * f);
}

function fadingYears(days: number): number {
  return 10 * Math.tanh(days / 3652.5);
}

// Quantile tables, indexed by one hash byte: a fat-tailed normal (for the odd big gap),
// |normal| and lognormal(0, 0.35) draws.
const FAT_NORMAL = quantileTable((z) => z * (1 + (z * z) / 5));
const HALF_NORMAL = quantileTable((z) => Math.abs(z));
const LOGNORMAL = quantileTable((z) => Math.exp(0.35 * z - 0.35 * 0.35 * 0.5));

function quantileTable(f: (z: number) => number): Float64Array {
  const table = new Float64Array(256);
  for (let b = 0; b < 256; b++) table[b] = f(inverseNormal((b + 0.5) / 256));
  return table;
}

/** Acklam's rational approximation of the normal quantile (|error| < 1.2e-9). */
function inverseNormal(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) =>
    (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}
