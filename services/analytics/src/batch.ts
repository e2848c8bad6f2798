// A batch of symbol series and what computing it answers. Pure: the worker thread (worker.ts)
// calls computeBatch, tests call it directly.
//
// A batch is a handful of typed arrays (every symbol's bars end to end, plus offsets); the
// results are small and go back to the main thread with one transferred Float64Array of values
// for the whole batch.
import {
  INDICATOR_NAMES,
  SIGNAL_INPUT_NAMES,
  computeIndicatorsInto,
  computeSignalInputsInto,
  detectPatterns,
  validateSeries,
  type BarSeries,
  type Direction,
  type PatternConfig,
} from "./compute.ts";

/** The columns of one symbol's bars as the import service streams them (SymbolBars). */
export interface SeriesColumns {
  symbol: string;
  day: ArrayLike<number>;
  open: ArrayLike<number>;
  high: ArrayLike<number>;
  low: ArrayLike<number>;
  close: ArrayLike<number>;
  volume: ArrayLike<number>;
}

export interface PackedBatch {
  symbols: string[];
  /** Bars of symbol k are [offsets[k], offsets[k + 1]). */
  offsets: Int32Array;
  day: Int32Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

export type PhaseKind = "indicators" | "patterns";

export interface BatchTask {
  kind: PhaseKind;
  /**
   * indicators only: also detect the run date's patterns (from the indicators already computed,
   * nearly free), for the patterns phase of the same date to reuse (pattern-cache.ts).
   */
  alsoPatterns?: boolean;
  /** The run date as days since 1970-01-01: only a symbol with a bar on it is computed. */
  runDay: number;
  patternConfig: PatternConfig;
  batch: PackedBatch;
}

export type SkipCode = "NO_BAR_ON_DATE" | "TOO_SHORT" | "GAP" | "BAD_DATA" | "NO_BARS";

export interface Skip {
  /** Index of the symbol in the batch. */
  index: number;
  code: SkipCode;
  reason: string;
}

export interface BatchDetection {
  index: number;
  pattern: string;
  direction: Direction;
  confidence: number;
}

export interface BatchResult {
  kind: PhaseKind;
  /** Bars read for the batch (all history of its symbols). */
  bars: number;
  skipped: Skip[];
  /**
   * indicators: the run date's values, INDICATOR_NAMES.length per symbol in batch order, NaN
   * where an indicator is not defined (or the symbol was skipped). Empty for patterns.
   */
  values: Float64Array;
  /** patterns (or indicators with alsoPatterns): the run date's detections. */
  detections: BatchDetection[];
}

/**
 * Packs series (any number-array columns) into one batch: the reference packing, for series
 * already decoded (tests, tools); the workers decode ListBars answers straight into a batch
 * (bars-wire.ts), which must equal this.
 */
export function packSeries(series: readonly SeriesColumns[]): PackedBatch {
  const offsets = new Int32Array(series.length + 1);
  for (let k = 0; k < series.length; k++) offsets[k + 1] = offsets[k] + series[k].close.length;
  const total = offsets[series.length];
  const batch: PackedBatch = {
    symbols: series.map((s) => s.symbol),
    offsets,
    day: new Int32Array(total),
    open: new Float64Array(total),
    high: new Float64Array(total),
    low: new Float64Array(total),
    close: new Float64Array(total),
    volume: new Float64Array(total),
  };
  // Plain loops: TypedArray.set from a JS array is several times slower here.
  const { day, open, high, low, close, volume } = batch;
  for (let k = 0; k < series.length; k++) {
    const s = series[k];
    const at = offsets[k];
    const n = s.close.length;
    for (let i = 0; i < n; i++) {
      day[at + i] = s.day[i];
      open[at + i] = s.open[i];
      high[at + i] = s.high[i];
      low[at + i] = s.low[i];
      close[at + i] = s.close[i];
      volume[at + i] = s.volume[i];
    }
  }
  return batch;
}

/** Symbol k's bars: views into the batch, no copy. */
export function seriesAt(b: PackedBatch, k: number): BarSeries {
  const from = b.offsets[k];
  const to = b.offsets[k + 1];
  return {
    day: b.day.subarray(from, to),
    open: b.open.subarray(from, to),
    high: b.high.subarray(from, to),
    low: b.low.subarray(from, to),
    close: b.close.subarray(from, to),
    volume: b.volume.subarray(from, to),
  };
}

/**
 * Why a series cannot be computed for the run date, or null when it can: it must end with a
 * bar on the run date (ListBars is asked for bars up to it) and pass validateSeries.
 */
export function skipReason(bars: BarSeries, runDay: number): { code: SkipCode; reason: string } | null {
  const n = bars.day.length;
  if (n === 0) return { code: "NO_BARS", reason: "no bars" };
  if (bars.day[n - 1] !== runDay) return { code: "NO_BAR_ON_DATE", reason: "no bar on the run date" };
  const check = validateSeries(bars);
  if (check.ok) return null;
  const code: SkipCode = check.reason.startsWith("too short") ? "TOO_SHORT" : check.reason.startsWith("gap") ? "GAP" : "BAD_DATA";
  return { code, reason: check.reason };
}

/**
 * Indicators over each symbol's whole series (all its history: EMA, RSI, ATR, ADX and MACD
 * depend on every bar before), then the run date's values or the run date's patterns.
 */
export function computeBatch(task: BatchTask): BatchResult {
  const { batch, kind, runDay } = task;
  const n = batch.symbols.length;
  const width = INDICATOR_NAMES.length;
  const values = new Float64Array(kind === "indicators" ? n * width : 0).fill(Number.NaN);
  const result: BatchResult = { kind, bars: batch.offsets[n], skipped: [], values, detections: [] };
  let longest = 0;
  for (let k = 0; k < n; k++) longest = Math.max(longest, batch.offsets[k + 1] - batch.offsets[k]);
  // Reused by every symbol of the batch. Patterns need only the signals' inputs.
  const compute = kind === "indicators" ? computeIndicatorsInto : computeSignalInputsInto;
  const block = new Float64Array((kind === "indicators" ? width : SIGNAL_INPUT_NAMES.length) * longest);
  for (let k = 0; k < n; k++) {
    const bars = seriesAt(batch, k);
    const skip = skipReason(bars, runDay);
    if (skip) {
      result.skipped.push({ index: k, ...skip });
      continue;
    }
    const last = bars.close.length - 1;
    // The outputs are views of `block`: read what is needed before the next symbol.
    const indicators = compute(bars, block);
    if (kind === "indicators") {
      for (let j = 0; j < width; j++) values[k * width + j] = indicators[INDICATOR_NAMES[j]][last];
      if (task.alsoPatterns) for (const d of detectPatterns(bars, indicators, last, task.patternConfig)) result.detections.push({ index: k, ...d });
    } else {
      for (const d of detectPatterns(bars, indicators, last, task.patternConfig)) result.detections.push({ index: k, ...d });
    }
  }
  return result;
}

export interface BatchSizing {
  /** Most symbols in a batch (ListBars allows 5000). */
  maxSymbols: number;
  /** Bars a batch should hold: a worker's memory is about 150 bytes a bar while it works. */
  targetBars: number;
}

/** Symbols of the first batches, before the length of the universe's histories is known. */
export const PROBE_SYMBOLS = 100;

/**
 * Symbols in the next batch, so that batches hold about `targetBars` bars whatever the length
 * of the stored history (one year or ten): from the bars per symbol seen so far.
 */
export function nextBatchSize(sizing: BatchSizing, seen: { symbols: number; bars: number }): number {
  const max = Math.max(1, Math.min(sizing.maxSymbols, 5000));
  if (seen.symbols === 0 || seen.bars === 0) return Math.min(max, PROBE_SYMBOLS);
  const perSymbol = seen.bars / seen.symbols;
  return Math.max(1, Math.min(max, Math.floor(sizing.targetBars / perSymbol)));
}
