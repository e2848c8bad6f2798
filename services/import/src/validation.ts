// Bar validation: the last gate before a batch is stored. Pure, and fast on the columnar form:
// plain loops over the typed arrays, and when every row is valid the input arrays are returned
// as they are (no copy); the first bad row switches to copying the rows that pass.
import { isValidIsoDate } from "@tickstock/common/trading-calendar.ts";
import type { DailyBars, Rejection } from "./providers/types.ts";

/**
 * Exchange tickers: an upper-case letter, then up to 14 of A–Z, 0–9, "." and "-". Share classes
 * such as BRK.A and BF-B are allowed (they are real, distinct listings); lower case is not
 * (Massive's preferred-share forms like "ABCpB" are rejected and reported).
 */
export const SYMBOL_PATTERN = /^[A-Z][A-Z0-9.-]{0,14}$/;

export interface ValidationResult {
  /** The rows that passed, in input order; `valid.rejected` is the provider's batch.rejected, unchanged. */
  valid: DailyBars;
  /** The rows refused here only (not batch.rejected: report both). */
  rejected: Rejection[];
}

/**
 * Keeps rows with a valid symbol, finite prices > 0, high >= max(open, close),
 * low <= min(open, close), high >= low, and a finite volume >= 0, on a valid date.
 * A symbol seen twice: the first valid row is kept, every later row is rejected as a duplicate.
 */
export function validateDailyBars(batch: DailyBars): ValidationResult {
  const n = batch.symbols.length;
  assertSameLength(batch, n);
  const rejected: Rejection[] = [];
  const sourceOf = (i: number) => batch.rowSources?.[i] || batch.source || `batch ${batch.date}`;

  if (!isValidIsoDate(batch.date)) {
    for (let i = 0; i < n; i++) {
      rejected.push({ symbol: batch.symbols[i], date: batch.date, reason: "invalid date", source: sourceOf(i) });
    }
    return result(batch, empty(batch, 0), rejected);
  }

  const { symbols, open, high, low, close, volume } = batch;
  const seen = new Set<string>();
  let out: Columns | null = null; // allocated at the first rejection
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const symbol = symbols[i];
    let reason = rowProblem(symbol, open[i], high[i], low[i], close[i], volume[i]);
    if (reason === null) {
      if (seen.has(symbol)) reason = "duplicate symbol in batch (the first row is kept)";
      else seen.add(symbol);
    }
    if (reason !== null) {
      rejected.push({ symbol: String(symbol), date: batch.date, reason, source: sourceOf(i) });
      out ??= copyPrefix(batch, i, n);
      continue;
    }
    if (out !== null) {
      out.symbols.push(symbol);
      out.sources?.push(batch.rowSources![i]);
      out.open[kept] = open[i];
      out.high[kept] = high[i];
      out.low[kept] = low[i];
      out.close[kept] = close[i];
      out.volume[kept] = volume[i];
    }
    kept++;
  }
  return result(batch, out === null ? asColumns(batch) : trim(out, kept), rejected);
}

/** Why a row is invalid, or null. Cheap checks first; messages name the field and value. */
function rowProblem(symbol: string, o: number, h: number, l: number, c: number, v: number): string | null {
  if (typeof symbol !== "string" || !SYMBOL_PATTERN.test(symbol)) return `symbol ${JSON.stringify(symbol)} is not a ticker`;
  if (!Number.isFinite(o)) return `open ${o} is not a finite number`;
  if (!Number.isFinite(h)) return `high ${h} is not a finite number`;
  if (!Number.isFinite(l)) return `low ${l} is not a finite number`;
  if (!Number.isFinite(c)) return `close ${c} is not a finite number`;
  if (!Number.isFinite(v)) return `volume ${v} is not a finite number`;
  if (o <= 0) return `open ${o} is not > 0`;
  if (h <= 0) return `high ${h} is not > 0`;
  if (l <= 0) return `low ${l} is not > 0`;
  if (c <= 0) return `close ${c} is not > 0`;
  if (h < l) return `high ${h} < low ${l}`;
  if (h < o || h < c) return `high ${h} < max(open ${o}, close ${c})`;
  if (l > o || l > c) return `low ${l} > min(open ${o}, close ${c})`;
  if (v < 0) return `volume ${v} is negative`;
  return null;
}

interface Columns {
  symbols: string[];
  sources: string[] | undefined;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

function asColumns(b: DailyBars): Columns {
  return { symbols: b.symbols, sources: b.rowSources, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume };
}

function empty(b: DailyBars, capacity: number): Columns {
  return {
    symbols: [],
    sources: b.rowSources ? [] : undefined,
    open: new Float64Array(capacity),
    high: new Float64Array(capacity),
    low: new Float64Array(capacity),
    close: new Float64Array(capacity),
    volume: new Float64Array(capacity),
  };
}

/** Output columns sized for every remaining row, holding rows [0, upTo) (all valid so far). */
function copyPrefix(b: DailyBars, upTo: number, capacity: number): Columns {
  const out = empty(b, capacity);
  for (let i = 0; i < upTo; i++) out.symbols.push(b.symbols[i]);
  if (out.sources) for (let i = 0; i < upTo; i++) out.sources.push(b.rowSources![i]);
  out.open.set(b.open.subarray(0, upTo));
  out.high.set(b.high.subarray(0, upTo));
  out.low.set(b.low.subarray(0, upTo));
  out.close.set(b.close.subarray(0, upTo));
  out.volume.set(b.volume.subarray(0, upTo));
  return out;
}

function trim(c: Columns, n: number): Columns {
  return {
    ...c,
    open: c.open.subarray(0, n),
    high: c.high.subarray(0, n),
    low: c.low.subarray(0, n),
    close: c.close.subarray(0, n),
    volume: c.volume.subarray(0, n),
  };
}

function result(batch: DailyBars, c: Columns, rejected: Rejection[]): ValidationResult {
  const valid: DailyBars = {
    date: batch.date,
    symbols: c.symbols,
    open: c.open,
    high: c.high,
    low: c.low,
    close: c.close,
    volume: c.volume,
    rejected: batch.rejected,
  };
  if (c.sources) valid.rowSources = c.sources;
  if (batch.source !== undefined) valid.source = batch.source;
  return { valid, rejected };
}

function assertSameLength(b: DailyBars, n: number): void {
  const lengths = [b.open.length, b.high.length, b.low.length, b.close.length, b.volume.length];
  if (lengths.some((len) => len !== n) || (b.rowSources && b.rowSources.length !== n)) {
    throw new RangeError(`DailyBars of ${b.date}: column lengths differ from ${n} symbols`);
  }
}
