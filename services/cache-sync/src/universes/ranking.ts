// The one ranking every universe uses (market cap descending, ties by symbol ascending, unknown
// market caps last) and the symbol index the tasks share, built once per sync.
import type { CacheSyncConfig } from "../config.ts";
import type { SymbolRecord } from "./types.ts";

/** Listed and trading: the only symbols any universe may hold. */
export function isLive(record: SymbolRecord): boolean {
  return record.active && record.delistedDate.trim() === "";
}

/** A usable market cap, or 0 when the provider had none (0, NaN, negative, infinite). */
export function knownMarketCap(record: SymbolRecord): number {
  const cap = record.marketCap;
  return Number.isFinite(cap) && cap > 0 ? cap : 0;
}

export function compareByMarketCap(a: SymbolRecord, b: SymbolRecord): number {
  const byCap = knownMarketCap(b) - knownMarketCap(a);
  if (byCap !== 0) return byCap;
  return a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0;
}

export interface Market {
  /** One record per symbol: a live record wins over a dead one, then the larger market cap. */
  bySymbol: Map<string, SymbolRecord>;
  /** Live symbols of a rankable type, ranked; unknown market caps at the end. */
  ranked: SymbolRecord[];
}

export function buildMarket(symbols: readonly SymbolRecord[], cfg: CacheSyncConfig): Market {
  const bySymbol = new Map<string, SymbolRecord>();
  for (const record of symbols) {
    const seen = bySymbol.get(record.symbol);
    if (!seen || isPreferred(record, seen)) bySymbol.set(record.symbol, record);
  }
  const excludedTypes = new Set(cfg.excludedTypes);
  // Sort (record, cap) pairs: the comparator then reads a field instead of validating caps.
  const keyed: { record: SymbolRecord; cap: number }[] = [];
  for (const record of bySymbol.values()) {
    if (isLive(record) && !excludedTypes.has(record.type)) keyed.push({ record, cap: knownMarketCap(record) });
  }
  keyed.sort((a, b) => b.cap - a.cap || (a.record.symbol < b.record.symbol ? -1 : a.record.symbol > b.record.symbol ? 1 : 0));
  return { bySymbol, ranked: keyed.map((k) => k.record) };
}

function isPreferred(candidate: SymbolRecord, seen: SymbolRecord): boolean {
  if (isLive(candidate) !== isLive(seen)) return isLive(candidate);
  return knownMarketCap(candidate) > knownMarketCap(seen);
}

/** Ranks symbol names by their records; names without a record go last, by name. */
export function rankNames(names: Iterable<string>, bySymbol: ReadonlyMap<string, SymbolRecord>): string[] {
  const unique = [...new Set(names)];
  const known = unique.flatMap((s) => bySymbol.get(s) ?? []).sort(compareByMarketCap).map((r) => r.symbol);
  const unknown = unique.filter((s) => !bySymbol.has(s)).sort();
  return [...known, ...unknown];
}

/** "Consumer Discretionary" -> "consumer_discretionary"; runs of other characters become one "_". */
export function slugify(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
}
