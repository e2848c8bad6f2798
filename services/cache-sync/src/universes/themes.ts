// Task theme_rebalancing: each configured theme is rules over sector, industry and SIC text,
// market cap and listing age, plus pinned and excluded symbols; members ranked by market cap.
// maxSize bounds the established members: a recent IPO that fits rides on top of it for its
// IPO window, so a rebalance keeps what IPO assignment added (no flip-flop between modes).
import type { CacheSyncConfig, ThemeRule } from "../config.ts";
import { isDateWithin, isoDay, requireDay, yearsBefore } from "./dates.ts";
import { buildMarket, compareByMarketCap, isLive, knownMarketCap, type Market } from "./ranking.ts";
import type { SymbolRecord, Universe } from "./types.ts";

const INCLUDED = 1;
const EXCLUDED = 2;

/**
 * Matches one field (sector, industry or SIC description) against a theme's terms. A market has
 * few distinct values per field (a few hundred SIC descriptions for 10,000 symbols), so each
 * value is lower-cased and searched once per theme and the verdict remembered.
 */
class FieldMatcher {
  private readonly verdicts = new Map<string, number>();
  constructor(
    private readonly terms: string[],
    private readonly excludedTerms: string[],
  ) {}

  /** INCLUDED and/or EXCLUDED bits for a field value. */
  verdict(value: string): number {
    let verdict = this.verdicts.get(value);
    if (verdict === undefined) {
      const text = value.toLowerCase();
      verdict = (hasAny(text, this.terms) ? INCLUDED : 0) | (hasAny(text, this.excludedTerms) ? EXCLUDED : 0);
      this.verdicts.set(value, verdict);
    }
    return verdict;
  }
}

const hasAny = (text: string, terms: string[]) => terms.some((term) => text.includes(term));

/** A theme's rule ready to apply on one sync day. */
export interface CompiledTheme {
  name: string;
  rule: ThemeRule;
  pinned: Set<string>;
  excluded: Set<string>;
  /** Latest list date (YYYY-MM-DD) that satisfies minListedYears, or null when the rule has none. */
  listedBy: string | null;
  /** The IPO window, YYYY-MM-DD, both ends inclusive. */
  ipoWindow: { from: string; to: string };
  sector: FieldMatcher;
  industry: FieldMatcher;
  sic: FieldMatcher;
}

export function compileThemes(cfg: CacheSyncConfig, today: number): CompiledTheme[] {
  const lower = (terms: string[]) => terms.map((t) => t.toLowerCase());
  const ipoWindow = { from: isoDay(today - cfg.ipoWindowDays), to: isoDay(today) };
  return Object.entries(cfg.themes).map(([name, rule]) => {
    const excludedTerms = lower(rule.excludedTerms);
    return {
      name,
      rule,
      pinned: new Set(rule.pinned),
      excluded: new Set(rule.excluded),
      listedBy: rule.minListedYears > 0 ? isoDay(yearsBefore(today, rule.minListedYears)) : null,
      ipoWindow,
      sector: new FieldMatcher(lower(rule.sectors), excludedTerms),
      industry: new FieldMatcher(lower(rule.industries), excludedTerms),
      sic: new FieldMatcher(lower(rule.sicTerms), excludedTerms),
    };
  });
}

/** Whether a symbol qualifies by the theme's rules (pins aside: they qualify by being pinned). */
export function fitsRules(record: SymbolRecord, theme: CompiledTheme): boolean {
  if (theme.excluded.has(record.symbol)) return false;
  if (knownMarketCap(record) < theme.rule.minMarketCap) return false;
  if (theme.listedBy !== null && !isDateWithin(record.listDate, "0000-01-01", theme.listedBy)) return false;
  const verdict = theme.sector.verdict(record.sector) | theme.industry.verdict(record.industry) | theme.sic.verdict(record.sicDescription);
  return verdict === INCLUDED;
}

/** `today` (YYYY-MM-DD) dates the minListedYears rules. */
export function themeUniverses(symbols: readonly SymbolRecord[], cfg: CacheSyncConfig, today: string): Universe[] {
  return themeUniversesOf(buildMarket(symbols, cfg), compileThemes(cfg, requireDay(today, "today")));
}

export function themeUniversesOf(market: Market, themes: readonly CompiledTheme[]): Universe[] {
  return themes.map((theme) => ({
    name: theme.name,
    type: "theme",
    symbols: selectMembers(market, theme),
    metadata: themeMetadata(theme.name, theme.rule),
  }));
}

export function themeMetadata(name: string, rule: ThemeRule): Record<string, unknown> {
  return { theme: name, description: rule.description, max_size: rule.maxSize, min_market_cap: rule.minMarketCap };
}

/**
 * Live pins first claim their seats; the best-ranked rule matches fill the rest up to maxSize;
 * fitting recent IPOs that found no seat join beyond it.
 */
function selectMembers(market: Market, theme: CompiledTheme): string[] {
  const pins = [...theme.pinned].flatMap((symbol) => {
    const record = market.bySymbol.get(symbol);
    return record && isLive(record) ? [record] : [];
  });
  const members = [...pins];
  let seats = theme.rule.maxSize - pins.length;
  for (const record of market.ranked) {
    // `ranked` is by market cap, descending: past the minimum nobody further down qualifies.
    if (knownMarketCap(record) < theme.rule.minMarketCap) break;
    const hasSeat = seats > 0 || isDateWithin(record.listDate, theme.ipoWindow.from, theme.ipoWindow.to);
    if (!hasSeat || theme.pinned.has(record.symbol) || !fitsRules(record, theme)) continue;
    members.push(record);
    seats--;
  }
  return members.sort(compareByMarketCap).map((r) => r.symbol);
}
