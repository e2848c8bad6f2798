// Checks a job runs before writing unless forced: they protect AppV2 from a broken import (an
// empty or half symbol list would otherwise empty the universes it reads).
import type { CacheSyncConfig } from "../config.ts";
import { isoDay } from "./dates.ts";
import { isLive } from "./ranking.ts";
import type { LatestBar, SymbolRecord, Universe } from "./types.ts";

/** One message per universe that would lose more than cfg.maxShrinkRatio of its members. */
export function checkSanity(before: ReadonlyMap<string, readonly string[]>, after: readonly Universe[], cfg: CacheSyncConfig): string[] {
  const issues: string[] = [];
  for (const universe of after) {
    const previous = before.get(universe.name);
    if (!previous || previous.length === 0 || previous.length < cfg.minSizeForShrinkCheck) continue;
    const previousSet = new Set(previous);
    const kept = new Set(universe.symbols.filter((s) => previousSet.has(s)));
    const lost = previousSet.size - kept.size;
    const ratio = lost / previousSet.size;
    if (ratio > cfg.maxShrinkRatio) {
      issues.push(
        `${universe.name} would lose ${lost} of its ${previousSet.size} members (${percent(ratio)}), ` +
          `more than the allowed ${percent(cfg.maxShrinkRatio)}`,
      );
    }
  }
  return issues;
}

/** A message when the symbol list has no live symbol: an empty or broken import, not a market. */
export function checkSymbolList(symbols: readonly SymbolRecord[]): string[] {
  return symbols.some(isLive) ? [] : [`the import service lists no active symbols (${symbols.length} symbols in all)`];
}

/** A message when no bar exists for the latest trading day (the day the import should have loaded). */
export function checkLatestBars(bars: readonly LatestBar[], latestTradingDay: number): string[] {
  if (bars.some((bar) => bar.day === latestTradingDay)) return [];
  const newest = bars.reduce((max, bar) => Math.max(max, bar.day), -Infinity);
  return checkLatestBarDate(Number.isFinite(newest) ? isoDay(newest) : "", isoDay(latestTradingDay));
}

/**
 * The same check from the newest bar date on or before the trading day (YYYY-MM-DD, "" when
 * there is none), as the import service's DescribeBars reports it.
 */
export function checkLatestBarDate(newestOnOrBefore: string, latestTradingDay: string): string[] {
  if (newestOnOrBefore === latestTradingDay) return [];
  const seen = newestOnOrBefore ? `the newest bar is for ${newestOnOrBefore}` : "there are no bars at all";
  return [`no bars for the latest trading day ${latestTradingDay}: ${seen}`];
}

const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;
