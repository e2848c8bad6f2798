// The cache_entries row format (CONTRACT §4): content is exactly {"symbols", "count",
// "last_updated", "metadata"}, cache_type is the universe's type. Stored rows are read back
// defensively: a row of one of our types whose content is not ours in shape holds no symbols.
import type { CurrentUniverse } from "./universes/plan-sync.ts";
import type { Universe, UniverseType } from "./universes/types.ts";

/** The cache_type values this service writes; rows of any other type are AppV2's, never touched. */
export const MANAGED_TYPES: readonly UniverseType[] = ["market_cap", "top_n", "sector", "theme", "ipo"];

export interface CacheContent {
  symbols: string[];
  count: number;
  last_updated: string;
  metadata: Record<string, unknown>;
}

export function cacheContent(universe: Universe, lastUpdated: Date): CacheContent {
  return { symbols: universe.symbols, count: universe.symbols.length, last_updated: lastUpdated.toISOString(), metadata: universe.metadata };
}

/** Stored rows (universe, type, content->'symbols', content->'metadata') as the planner's input. */
export function currentUniverses(rows: readonly { universe: string; cache_type: UniverseType; symbols: unknown; metadata: unknown }[]): Map<string, CurrentUniverse> {
  const current = new Map<string, CurrentUniverse>();
  for (const row of rows) {
    current.set(row.universe, { symbols: symbolsOf(row.symbols), type: row.cache_type, metadata: isRecord(row.metadata) ? row.metadata : {} });
  }
  return current;
}

/** The symbols of a stored content->'symbols' value, whatever wrote it. */
export function symbolsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((s): s is string => typeof s === "string") : [];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
