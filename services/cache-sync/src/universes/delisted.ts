// Task delisted_cleanup: inactive, delisted and unknown symbols leave every universe. Their past
// membership stays in the job's history; this function only says what leaves where.
import { isLive } from "./ranking.ts";
import type { SymbolRecord } from "./types.ts";

export interface DelistedCleanup {
  /** Every universe of `current`, without the dead symbols (same order otherwise). */
  cleaned: Map<string, string[]>;
  /** Symbols removed from at least one universe, sorted. */
  removed: string[];
  /** Universes that lost at least one symbol, sorted. */
  universesAffected: string[];
}

/** Symbols with at least one live record. */
export function liveSymbolsOf(symbols: readonly SymbolRecord[]): Set<string> {
  const live = new Set<string>();
  for (const record of symbols) if (isLive(record)) live.add(record.symbol);
  return live;
}

export function delistedCleanup(current: ReadonlyMap<string, readonly string[]>, symbols: readonly SymbolRecord[]): DelistedCleanup {
  return delistedCleanupOf(current, liveSymbolsOf(symbols));
}

export function delistedCleanupOf(current: ReadonlyMap<string, readonly string[]>, live: { has(symbol: string): boolean }): DelistedCleanup {
  const cleaned = new Map<string, string[]>();
  const removed = new Set<string>();
  const universesAffected: string[] = [];
  for (const [universe, members] of current) {
    const kept = members.filter((symbol) => live.has(symbol));
    if (kept.length !== members.length) {
      universesAffected.push(universe);
      for (const symbol of members) if (!live.has(symbol)) removed.add(symbol);
    }
    cleaned.set(universe, kept);
  }
  return { cleaned, removed: [...removed].sort(), universesAffected: universesAffected.sort() };
}
