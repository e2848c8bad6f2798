// Task market_cap_recalculation: the five market-cap bands, the top-N lists and the sector leaders.
import { BAND_NAMES, type CacheSyncConfig } from "../config.ts";
import { buildMarket, knownMarketCap, slugify, type Market } from "./ranking.ts";
import type { SymbolRecord, Universe } from "./types.ts";

export const SECTOR_LEADERS_PREFIX = "sector_leaders_";
/** cache_entries.universe is VARCHAR(100). */
const MAX_UNIVERSE_NAME = 100;

export function marketCapUniverses(symbols: readonly SymbolRecord[], cfg: CacheSyncConfig): Universe[] {
  return marketCapUniversesOf(buildMarket(symbols, cfg), cfg);
}

export function marketCapUniversesOf(market: Market, cfg: CacheSyncConfig): Universe[] {
  // `ranked` ends with the unknown market caps; none of these universes takes them.
  const end = market.ranked.findIndex((r) => knownMarketCap(r) === 0);
  const sized = end === -1 ? market.ranked : market.ranked.slice(0, end);
  return [...bandUniverses(sized, cfg), ...topUniverses(sized, cfg), ...sectorLeaderUniverses(sized, cfg)];
}

/** Each band holds [its threshold, the next larger band's threshold). Below micro_cap: no band. */
export function bandOf(marketCap: number, cfg: CacheSyncConfig): (typeof BAND_NAMES)[number] | null {
  if (!(Number.isFinite(marketCap) && marketCap > 0)) return null;
  return BAND_NAMES.find((band) => marketCap >= cfg.marketCapThresholds[band]) ?? null;
}

/** `sized` is ranked by market cap, descending, so each band is one run of it. */
function bandUniverses(sized: readonly SymbolRecord[], cfg: CacheSyncConfig): Universe[] {
  let start = 0;
  return BAND_NAMES.map((band, i) => {
    let end = start;
    while (end < sized.length && sized[end].marketCap >= cfg.marketCapThresholds[band]) end++;
    const symbols = sized.slice(start, end).map((r) => r.symbol);
    start = end;
    return { name: band, type: "market_cap", symbols, metadata: bandMetadata(i, cfg) };
  });
}

function bandMetadata(i: number, cfg: CacheSyncConfig): Record<string, unknown> {
  const band = BAND_NAMES[i];
  return {
    market_cap_range: band,
    min_market_cap: cfg.marketCapThresholds[band],
    max_market_cap: i === 0 ? null : cfg.marketCapThresholds[BAND_NAMES[i - 1]],
  };
}

function topUniverses(sized: readonly SymbolRecord[], cfg: CacheSyncConfig): Universe[] {
  return Object.entries(cfg.universeLimits).map(([name, limit]) => ({
    name,
    type: "top_n",
    symbols: sized.slice(0, limit).map((r) => r.symbol),
    metadata: { limit, ranking: "market_cap_desc" },
  }));
}

/** Top N per sector, one universe per sector slug; sectorless symbols lead nothing. */
function sectorLeaderUniverses(sized: readonly SymbolRecord[], cfg: CacheSyncConfig): Universe[] {
  const bySlug = new Map<string, { sector: string; symbols: string[] }>();
  const slugs = new Map<string, string>(); // sector text -> slug, so each text is slugified once
  for (const record of sized) {
    let slug = slugs.get(record.sector);
    if (slug === undefined) {
      slug = slugify(record.sector).slice(0, MAX_UNIVERSE_NAME - SECTOR_LEADERS_PREFIX.length).replace(/_+$/, "");
      slugs.set(record.sector, slug);
    }
    if (slug === "") continue;
    let group = bySlug.get(slug);
    if (!group) bySlug.set(slug, (group = { sector: record.sector.trim(), symbols: [] }));
    if (group.symbols.length < cfg.sectorLeadersPerSector) group.symbols.push(record.symbol);
  }
  return [...bySlug.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([slug, group]) => ({
      name: SECTOR_LEADERS_PREFIX + slug,
      type: "sector",
      symbols: group.symbols,
      metadata: { sector: group.sector, limit: cfg.sectorLeadersPerSector },
    }));
}
