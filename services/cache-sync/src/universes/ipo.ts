// Task ipo_universe_assignment: symbols listed within the IPO window join recent_ipos and every
// theme whose rules they fit (or that pins them), whatever the theme's maxSize (as in a rebalance).
import type { CacheSyncConfig } from "../config.ts";
import { isDateWithin, isoDay, requireDay } from "./dates.ts";
import { buildMarket, type Market } from "./ranking.ts";
import { compileThemes, fitsRules, type CompiledTheme } from "./themes.ts";
import type { IpoAssignment, SymbolRecord, Universe } from "./types.ts";

export const RECENT_IPOS = "recent_ipos";

export interface IpoResult {
  recentIpos: Universe;
  /** One per recent IPO, in recent_ipos order. */
  assignments: IpoAssignment[];
  /** Theme -> the recent IPOs that fit it (ranked); themes without any are absent. */
  themeAdditions: Map<string, string[]>;
}

/** A symbol is a recent IPO from its list day through list day + ipoWindowDays (both inclusive). */
export function isRecentIpo(listDate: string, today: number, windowDays: number): boolean {
  return isDateWithin(listDate, isoDay(today - windowDays), isoDay(today));
}

export function ipoAssignment(symbols: readonly SymbolRecord[], cfg: CacheSyncConfig, today: string): IpoResult {
  const day = requireDay(today, "today");
  return ipoAssignmentOf(buildMarket(symbols, cfg), cfg, day, compileThemes(cfg, day));
}

export function ipoAssignmentOf(market: Market, cfg: CacheSyncConfig, today: number, themes: readonly CompiledTheme[]): IpoResult {
  const [from, to] = [isoDay(today - cfg.ipoWindowDays), isoDay(today)];
  const ipos = market.ranked.filter((r) => isDateWithin(r.listDate, from, to));
  const themeAdditions = new Map<string, string[]>();
  const assignments = ipos.map((record) => {
    const fitting = themes.filter((t) => t.pinned.has(record.symbol) || fitsRules(record, t));
    for (const theme of fitting) {
      const added = themeAdditions.get(theme.name);
      if (added) added.push(record.symbol);
      else themeAdditions.set(theme.name, [record.symbol]);
    }
    return { symbol: record.symbol, listDate: record.listDate, universes: [RECENT_IPOS, ...fitting.map((t) => t.name)] };
  });
  const recentIpos: Universe = {
    name: RECENT_IPOS,
    type: "ipo",
    symbols: ipos.map((r) => r.symbol),
    metadata: { window_days: cfg.ipoWindowDays, list_dates: Object.fromEntries(ipos.map((r) => [r.symbol, r.listDate])) },
  };
  return { recentIpos, assignments, themeAdditions };
}
