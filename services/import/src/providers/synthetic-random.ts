// Counter-based randomness for the synthetic market: every draw is a pure function of its
// coordinates (seed, symbol, day, stream), so any bar can be computed without its neighbours.

/** A 32-bit integer finaliser (Chris Wellons' "lowbias32"): good avalanche, two multiplies. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x21f0aaad);
  x ^= x >>> 15;
  x = Math.imul(x, 0x735a2d97);
  x ^= x >>> 15;
  return x >>> 0;
}

/** Hash of a key and a counter, as an unsigned 32-bit integer. */
export function hash2(key: number, counter: number): number {
  return mix32(key ^ mix32(counter + 0x9e3779b9));
}

const TO_SIGNED_UNIT = 2 / 4294967296;

/** Hash of a key and a counter mapped to [-1, 1). */
export function signedUnit(key: number, counter: number): number {
  return hash2(key, counter) * TO_SIGNED_UNIT - 1;
}

/** A per-entity key derived from the seed and an index (symbol index, or a negative id for factors). */
export function entityKey(seed: number, index: number): number {
  return mix32(mix32(seed ^ 0x5bd1e995) + Math.imul(index, 0x27d4eb2f));
}

/** A small sequential generator (mulberry32) for building the universe once, in order. */
export function createRng(seed: number): Rng {
  let state = mix32(seed) | 0;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    between: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor((hi - lo + 1) * next()),
    pick: (items) => items[Math.floor(items.length * next())],
    chance: (p) => next() < p,
    logBetween: (lo, hi) => Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * next()),
  };
}

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  between(lo: number, hi: number): number;
  /** Integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  /** Log-uniform in [lo, hi). */
  logBetween(lo: number, hi: number): number;
}

/** Fisher–Yates shuffle of 0..n-1. */
export function shuffledIndices(n: number, rng: Rng): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}
