// Shared shapes of the indicator functions. Every indicator is a pure function over typed arrays
// that answers a Float64Array as long as its input, NaN where TA-Lib gives no value (inside the
// indicator's lookback), so index i of every output belongs to bar i.

/** One symbol's daily bars, oldest first, as parallel columns. */
export interface BarSeries {
  /** Days since 1970-01-01. */
  day: Int32Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

/**
 * The array an indicator writes: the caller's `out` when given (computeIndicators hands out views
 * of one block, since allocating each small typed array costs more than computing it), else a
 * new one; either way of length n with its first `lookback` values NaN (no value yet).
 */
export function outputFor(out: Float64Array | undefined, n: number, lookback: number): Float64Array {
  const result = out ?? new Float64Array(n);
  if (result.length !== n) throw new RangeError(`output of length ${result.length} for ${n} bars`);
  fillNaN(result, 0, lookback);
  return result;
}

/** values[from .. to-1] = NaN (clamped to the array). A loop: TypedArray.fill costs more on short spans. */
export function fillNaN(values: Float64Array, from: number, to: number): void {
  const end = Math.min(to, values.length);
  for (let i = Math.max(from, 0); i < end; i++) values[i] = Number.NaN;
}

/**
 * A work buffer of at least `size` doubles, reused across calls (grown when too small). Only for
 * a function's own scratch during one synchronous call: never returned, never held across an
 * await. Saves an allocation per call, which for small arrays costs more than the work.
 */
export function scratchBuffer(slot: Float64Array[], size: number): Float64Array {
  if (slot[0] === undefined || slot[0].length < size) slot[0] = new Float64Array(Math.max(size, 64));
  return slot[0];
}

/** Periods are constants of our code, so a bad one is a bug: fail loudly. */
export function checkPeriod(name: string, period: number, min: number): void {
  if (!Number.isInteger(period) || period < min || period > 100_000) {
    throw new RangeError(`${name}: period must be an integer in [${min}, 100000], got ${period}`);
  }
}
