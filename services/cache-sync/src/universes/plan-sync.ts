// One sync, planned: the tasks of the mode composed over the stored universes. The result is
// everything the writer needs (new content, what changed, the events to publish) and the
// sanity verdict; the writer skips every universe whose `changed` is false.
import type { CacheSyncConfig } from "../config.ts";
import { requireDay } from "./dates.ts";
import { delistedCleanupOf } from "./delisted.ts";
import { diffUniverse } from "./diff.ts";
import { ipoAssignmentOf } from "./ipo.ts";
import { marketCapUniversesOf, SECTOR_LEADERS_PREFIX } from "./market-cap.ts";
import { tasksForMode } from "./modes.ts";
import { buildMarket, isLive, rankNames, type Market } from "./ranking.ts";
import { checkSanity } from "./sanity.ts";
import { compileThemes, themeMetadata, themeUniversesOf, type CompiledTheme } from "./themes.ts";
import type { DelistedMembership, IpoAssignment, SymbolRecord, SyncMode, TaskName, Universe, UniverseType } from "./types.ts";

export interface CurrentUniverse {
  symbols: string[];
  type: UniverseType;
  /** Kept on universes the clean-up rewrites without rebuilding them. */
  metadata?: Record<string, unknown>;
}

export interface SyncPlanInput {
  mode: SyncMode;
  symbols: readonly SymbolRecord[];
  /** The universes stored now (only rows of the types above: other cache_entries rows are not ours). */
  current: ReadonlyMap<string, CurrentUniverse>;
  /** The sync day, YYYY-MM-DD. */
  today: string;
  cfg: CacheSyncConfig;
}

export interface PlannedUniverse extends Universe {
  /** False when membership and order equal the stored ones: do not rewrite it. */
  changed: boolean;
}

export interface UniverseChange {
  universe: string;
  type: UniverseType;
  added: string[];
  removed: string[];
  symbolCount: number;
}

export interface SyncPlan {
  tasks: TaskName[];
  /** The full new content of every universe the mode touches, in task order. */
  universes: PlannedUniverse[];
  /** The changed universes only: one universe_updated event each. */
  changes: UniverseChange[];
  /** Symbols added plus removed, over all changes. */
  totalChanges: number;
  /** Recent IPOs that joined a universe in this sync (null when the mode assigns none). */
  ipoAssignments: IpoAssignment[] | null;
  /** Dead symbols that left stored universes (null when the mode does no clean-up). */
  delisting: { symbolsRemoved: string[]; universesAffected: string[]; memberships: DelistedMembership[] } | null;
  /** checkSanity over the planned universes; a job without `force` fails when non-empty. */
  sanityIssues: string[];
}

interface Context {
  market: Market;
  cfg: CacheSyncConfig;
  today: number;
  current: ReadonlyMap<string, CurrentUniverse>;
  /** Stored members by universe. */
  before: Map<string, string[]>;
  produced: Map<string, Universe>;
  themes: CompiledTheme[];
}

export function planSync(input: SyncPlanInput): SyncPlan {
  const steps = planSyncSteps(input);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * planSync one task at a time: yields each task's name before running it, returns the plan. A
 * job reports progress and checks for cancellation between the tasks.
 */
export function* planSyncSteps(input: SyncPlanInput): Generator<TaskName, SyncPlan, void> {
  const { cfg, current } = input;
  const tasks = tasksForMode(input.mode);
  const today = requireDay(input.today, "today");
  const before = new Map([...current].map(([name, u]) => [name, u.symbols]));
  const ctx: Context = { market: buildMarket(input.symbols, cfg), cfg, today, current, before, produced: new Map(), themes: compileThemes(cfg, today) };
  let ipoAssignments: IpoAssignment[] | null = null;
  let delisting: SyncPlan["delisting"] = null;
  for (const task of tasks) {
    yield task;
    if (task === "market_cap_recalculation") recalculateMarketCaps(ctx);
    else if (task === "theme_rebalancing") themeUniversesOf(ctx.market, ctx.themes).forEach((u) => put(ctx, u));
    else if (task === "ipo_universe_assignment") ipoAssignments = assignIpos(ctx);
    else delisting = cleanUp(ctx);
  }
  const universes: PlannedUniverse[] = [];
  const changes: UniverseChange[] = [];
  for (const universe of ctx.produced.values()) {
    const { added, removed, changed } = diffUniverse(before.get(universe.name), universe.symbols);
    universes.push({ ...universe, changed });
    if (changed) changes.push({ universe: universe.name, type: universe.type, added, removed, symbolCount: universe.symbols.length });
  }
  const totalChanges = changes.reduce((sum, c) => sum + c.added.length + c.removed.length, 0);
  const sanityIssues = checkSanity(before, universes.filter((u) => u.changed), cfg);
  return { tasks, universes, changes, totalChanges, ipoAssignments, delisting, sanityIssues };
}

function put(ctx: Context, universe: Universe): void {
  ctx.produced.set(universe.name, universe);
}

/** Bands, top-N and sector leaders; a stored sector that no longer has a symbol is emptied. */
function recalculateMarketCaps(ctx: Context): void {
  marketCapUniversesOf(ctx.market, ctx.cfg).forEach((u) => put(ctx, u));
  for (const [name, stored] of ctx.current) {
    if (stored.type === "sector" && name.startsWith(SECTOR_LEADERS_PREFIX) && !ctx.produced.has(name)) {
      put(ctx, { name, type: "sector", symbols: [], metadata: { ...stored.metadata, retired: true } });
    }
  }
}

/** recent_ipos, plus each fitting IPO merged into its themes (as rebuilt, or as stored). */
function assignIpos(ctx: Context): IpoAssignment[] {
  const { recentIpos, assignments, themeAdditions } = ipoAssignmentOf(ctx.market, ctx.cfg, ctx.today, ctx.themes);
  put(ctx, recentIpos);
  for (const [theme, additions] of themeAdditions) {
    const base = ctx.produced.get(theme) ?? {
      name: theme,
      type: "theme" as const,
      symbols: ctx.current.get(theme)?.symbols ?? [],
      metadata: themeMetadata(theme, ctx.cfg.themes[theme]),
    };
    const members = new Set(base.symbols);
    const joining = additions.filter((s) => !members.has(s));
    if (joining.length > 0) put(ctx, { ...base, symbols: rankNames([...base.symbols, ...joining], ctx.market.bySymbol) });
  }
  // Report an IPO once: in the sync where it joins something it was not in before.
  const storedSets = new Map<string, Set<string>>();
  const storedHas = (universe: string, symbol: string) => {
    let set = storedSets.get(universe);
    if (!set) storedSets.set(universe, (set = new Set(ctx.current.get(universe)?.symbols)));
    return set.has(symbol);
  };
  return assignments.filter((a) => a.universes.some((u) => !storedHas(u, a.symbol)));
}

/** Dead symbols leave every stored universe; the ones no task rebuilt are rewritten cleaned. */
function cleanUp(ctx: Context): NonNullable<SyncPlan["delisting"]> {
  const { bySymbol } = ctx.market;
  const live = {
    has: (symbol: string) => {
      const record = bySymbol.get(symbol);
      return record !== undefined && isLive(record);
    },
  };
  const { cleaned, removed, universesAffected } = delistedCleanupOf(ctx.before, live);
  const dead = new Set(removed);
  const memberships: DelistedMembership[] = [];
  for (const name of universesAffected) {
    const { type, metadata } = ctx.current.get(name)!;
    ctx.before.get(name)!.forEach((symbol, i) => {
      if (dead.has(symbol)) memberships.push({ symbol, universe: name, type, rank: i + 1, delistedDate: bySymbol.get(symbol)?.delistedDate.trim() ?? "" });
    });
    if (ctx.produced.has(name)) continue; // rebuilt from live symbols only
    put(ctx, { name, type, symbols: cleaned.get(name)!, metadata: metadata ?? {} });
  }
  return { symbolsRemoved: removed, universesAffected, memberships };
}
