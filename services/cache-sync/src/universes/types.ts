// Plain data shared by the cache-sync domain functions. No behaviour lives here.

/** One row of the import service's symbol list, as the tasks see it. */
export interface SymbolRecord {
  symbol: string;
  name: string;
  sector: string;
  industry: string;
  sicDescription: string;
  /** USD; 0 or NaN when unknown. */
  marketCap: number;
  /** YYYY-MM-DD, or "" when unknown. */
  listDate: string;
  active: boolean;
  /** "" while listed. Any other value counts as delisted. */
  delistedDate: string;
  sp500: boolean;
  nasdaq100: boolean;
  exchange: string;
  type: string;
}

export interface LatestBar {
  symbol: string;
  /** Days since 1970-01-01 (UTC). */
  day: number;
  close: number;
  volume: number;
}

export type UniverseType = "market_cap" | "top_n" | "sector" | "theme" | "ipo";

export interface Universe {
  name: string;
  type: UniverseType;
  /** Ranked: market cap descending, ties by symbol ascending; unknown market caps last. */
  symbols: string[];
  /** Deterministic for a given membership (no timestamps), snake_case keys: stored in cache_entries.content. */
  metadata: Record<string, unknown>;
}

export type TaskName =
  | "market_cap_recalculation"
  | "theme_rebalancing"
  | "ipo_universe_assignment"
  | "delisted_cleanup";

export type SyncMode = "full" | "market_cap" | "themes" | "ipos";

export interface IpoAssignment {
  symbol: string;
  listDate: string;
  /** recent_ipos first, then the fitting themes in configuration order. */
  universes: string[];
}

/** A dead symbol's place in a stored universe, kept as history when the clean-up removes it. */
export interface DelistedMembership {
  symbol: string;
  universe: string;
  type: UniverseType;
  /** 1-based position in the stored ranking. */
  rank: number;
  /** YYYY-MM-DD as the import service reports it; "" when only inactive, or unknown. */
  delistedDate: string;
}

export interface UniverseDiff {
  /** In `after` but not in `before`, in `after`'s order. */
  added: string[];
  /** In `before` but not in `after`, in `before`'s order. */
  removed: string[];
  /** True when membership or order differs, or the universe did not exist before. */
  changed: boolean;
}
