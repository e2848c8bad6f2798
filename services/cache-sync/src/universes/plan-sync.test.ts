import { describe, expect, it } from "vitest";
import { loadCacheSyncConfig } from "../config.ts";
import { sym, syntheticMarket } from "./fixtures.ts";
import { planSync, planSyncSteps, type CurrentUniverse, type SyncPlan } from "./plan-sync.ts";
import type { SymbolRecord, SyncMode } from "./types.ts";

const TODAY = "2025-01-24";
const cfg = loadCacheSyncConfig({
  universeLimits: { top_3: 3 },
  sectorLeadersPerSector: 2,
  themes: {
    software: { sicTerms: ["software"], maxSize: 2 },
    banks: { sicTerms: ["banks"] },
  },
});
const market: SymbolRecord[] = [
  sym("SOFT1", { sector: "Technology", sicDescription: "PREPACKAGED SOFTWARE", marketCap: 300e9 }),
  sym("SOFT2", { sector: "Technology", sicDescription: "PREPACKAGED SOFTWARE", marketCap: 50e9 }),
  sym("SOFT3", { sector: "Technology", sicDescription: "PREPACKAGED SOFTWARE", marketCap: 5e9 }),
  sym("BANK1", { sector: "Financials", sicDescription: "NATIONAL COMMERCIAL BANKS", marketCap: 100e9 }),
  sym("NEWSOFT", { sector: "Technology", sicDescription: "PREPACKAGED SOFTWARE", marketCap: 1e9, listDate: "2025-01-02" }),
];

type Stored = Map<string, CurrentUniverse>;
const plan = (mode: SyncMode, symbols = market, current: Stored = new Map()) => planSync({ mode, symbols, current, today: TODAY, cfg });
/** What the writer would store after applying `result` over `current`. */
function store(result: SyncPlan, current: Stored = new Map()): Stored {
  const next = new Map(current);
  for (const u of result.universes) next.set(u.name, { symbols: u.symbols, type: u.type, metadata: u.metadata });
  return next;
}
const touched = (result: SyncPlan) => result.universes.map((u) => u.name).sort();
const contentOf = (result: SyncPlan, name: string) => result.universes.find((u) => u.name === name)?.symbols;

describe("planSync: universes each mode touches", () => {
  const bands = ["large_cap", "mega_cap", "micro_cap", "mid_cap", "small_cap"];

  it("full: bands, top lists, sector leaders, themes and recent IPOs", () => {
    expect(touched(plan("full"))).toEqual(
      ["banks", ...bands, "recent_ipos", "sector_leaders_financials", "sector_leaders_technology", "software", "top_3"].sort(),
    );
  });

  it("market_cap: bands, top lists and sector leaders only", () => {
    expect(touched(plan("market_cap"))).toEqual([...bands, "sector_leaders_financials", "sector_leaders_technology", "top_3"].sort());
  });

  it("themes: the configured themes only", () => {
    expect(touched(plan("themes"))).toEqual(["banks", "software"]);
  });

  it("ipos: recent_ipos and the themes that gain an IPO", () => {
    expect(touched(plan("ipos"))).toEqual(["recent_ipos", "software"]);
  });

  it("names the tasks it ran", () => {
    expect(plan("market_cap").tasks).toEqual(["market_cap_recalculation", "delisted_cleanup"]);
  });
});

describe("planSync: changes", () => {
  it("reports every universe of a first sync as changed, with all members added", () => {
    const result = plan("market_cap");
    expect(result.universes.every((u) => u.changed)).toBe(true);
    expect(result.changes.find((c) => c.universe === "top_3")).toEqual({ universe: "top_3", type: "top_n", added: ["SOFT1", "BANK1", "SOFT2"], removed: [], symbolCount: 3 });
  });

  it("counts total changes as symbols added plus removed", () => {
    const result = plan("market_cap");
    expect(result.totalChanges).toBe(result.changes.reduce((n, c) => n + c.added.length + c.removed.length, 0));
    expect(result.totalChanges).toBeGreaterThan(0);
  });

  it("finds nothing to write when a sync repeats on the same data", () => {
    for (const mode of ["full", "market_cap", "themes", "ipos"] as const) {
      const again = plan(mode, market, store(plan(mode)));
      expect(again.changes, mode).toEqual([]);
      expect(again.totalChanges, mode).toBe(0);
      expect(again.universes.every((u) => !u.changed), mode).toBe(true);
    }
  });

  it("flags a re-ranking as a change with nothing added or removed", () => {
    const stored = store(plan("market_cap"));
    const swapped = market.map((r) => (r.symbol === "BANK1" ? { ...r, marketCap: 400e9 } : r));
    const change = plan("market_cap", swapped, stored).changes.find((c) => c.universe === "top_3");
    expect(change).toMatchObject({ added: [], removed: [] });
    expect(contentOf(plan("market_cap", swapped, stored), "top_3")).toEqual(["BANK1", "SOFT1", "SOFT2"]);
  });

  it("lists only changed universes in changes", () => {
    const stored = store(plan("market_cap"));
    const grown = market.map((r) => (r.symbol === "SOFT3" ? { ...r, marketCap: 6e9 } : r));
    expect(plan("market_cap", grown, stored).changes).toEqual([]);
    const moved = market.map((r) => (r.symbol === "SOFT3" ? { ...r, marketCap: 11e9 } : r));
    expect(plan("market_cap", moved, stored).changes.map((c) => [c.universe, c.added, c.removed])).toEqual([
      ["large_cap", ["SOFT3"], []],
      ["mid_cap", [], ["SOFT3"]],
    ]);
  });

  it("empties stored sector leaders whose sector has gone", () => {
    const stored = store(plan("market_cap"));
    const renamed = market.map((r) => (r.sector === "Financials" ? { ...r, sector: "Banking" } : r));
    const result = plan("market_cap", renamed, stored);
    expect(contentOf(result, "sector_leaders_financials")).toEqual([]);
    expect(contentOf(result, "sector_leaders_banking")).toEqual(["BANK1"]);
  });
});

describe("planSync: delisted clean-up", () => {
  const delisted = market.map((r) => (r.symbol === "SOFT2" ? { ...r, active: false, delistedDate: "2025-01-20" } : r));

  it("reports the dead symbols and the stored universes they leave", () => {
    const result = plan("market_cap", delisted, store(plan("full")));
    expect(result.delisting).toMatchObject({ symbolsRemoved: ["SOFT2"], universesAffected: ["large_cap", "sector_leaders_technology", "software", "top_3"] });
  });

  it("keeps where each dead symbol stood, for the history", () => {
    const result = plan("market_cap", delisted, store(plan("full")));
    expect(result.delisting!.memberships).toEqual([
      { symbol: "SOFT2", universe: "large_cap", type: "market_cap", rank: 2, delistedDate: "2025-01-20" },
      { symbol: "SOFT2", universe: "sector_leaders_technology", type: "sector", rank: 2, delistedDate: "2025-01-20" },
      { symbol: "SOFT2", universe: "software", type: "theme", rank: 2, delistedDate: "2025-01-20" },
      { symbol: "SOFT2", universe: "top_3", type: "top_n", rank: 3, delistedDate: "2025-01-20" },
    ]);
  });

  it("rewrites stored universes no task of the mode rebuilds, keeping their metadata", () => {
    const stored = store(plan("full"));
    const software = plan("market_cap", delisted, stored).universes.find((u) => u.name === "software")!;
    expect(software).toMatchObject({ symbols: ["SOFT1", "NEWSOFT"], type: "theme", changed: true, metadata: stored.get("software")!.metadata });
  });

  it("leaves no dead symbol in any universe after a full sync", () => {
    const result = plan("full", delisted, store(plan("full")));
    expect(result.universes.flatMap((u) => u.symbols)).not.toContain("SOFT2");
  });

  it("is not part of the themes and ipos modes", () => {
    expect(plan("themes", delisted).delisting).toBeNull();
    expect(plan("ipos", delisted).delisting).toBeNull();
  });

  it("reports nothing when nothing died", () => {
    expect(plan("market_cap", market, store(plan("full"))).delisting).toEqual({ symbolsRemoved: [], universesAffected: [], memberships: [] });
  });
});

describe("planSync: IPO assignment", () => {
  it("reports an IPO with recent_ipos and its themes", () => {
    expect(plan("ipos").ipoAssignments).toEqual([{ symbol: "NEWSOFT", listDate: "2025-01-02", universes: ["recent_ipos", "software"] }]);
  });

  it("reports an IPO only in the sync where it joins something", () => {
    expect(plan("ipos", market, store(plan("ipos"))).ipoAssignments).toEqual([]);
  });

  it("keeps an IPO in a full theme after a full rebalance", () => {
    expect(contentOf(plan("full"), "software")).toEqual(["SOFT1", "SOFT2", "NEWSOFT"]);
  });

  it("leaves nothing for themes or ipos mode to undo after a full sync", () => {
    const stored = store(plan("full"));
    expect(plan("themes", market, stored).changes).toEqual([]);
    expect(plan("ipos", market, stored).changes).toEqual([]);
  });

  it("adds an IPO to the stored theme in ipos mode without rebalancing it", () => {
    const stored: Stored = new Map([["software", { symbols: ["SOFT2", "SOFT3"], type: "theme" }]]);
    expect(contentOf(plan("ipos", market, stored), "software")).toEqual(["SOFT2", "SOFT3", "NEWSOFT"]);
  });

  it("is null in modes without the IPO task", () => {
    expect(plan("market_cap").ipoAssignments).toBeNull();
    expect(plan("themes").ipoAssignments).toBeNull();
  });
});

describe("planSyncSteps", () => {
  it("yields each task of the mode before running it, then returns the same plan as planSync", () => {
    const steps = planSyncSteps({ mode: "full", symbols: market, current: new Map(), today: TODAY, cfg });
    const yielded: string[] = [];
    let step = steps.next();
    while (!step.done) {
      yielded.push(step.value);
      step = steps.next();
    }
    expect(yielded).toEqual(["market_cap_recalculation", "theme_rebalancing", "ipo_universe_assignment", "delisted_cleanup"]);
    expect(step.value).toEqual(plan("full"));
  });
});

describe("planSync: sanity", () => {
  const big = loadCacheSyncConfig({ universeLimits: { top_20: 20 } });
  const twenty = Array.from({ length: 20 }, (_, i) => sym(`S${i}`, { marketCap: (i + 1) * 1e9 }));
  const storedTop = new Map<string, CurrentUniverse>([["top_20", { symbols: [...twenty].reverse().map((r) => r.symbol), type: "top_n" }]]);

  it("is clean for an ordinary sync", () => {
    expect(planSync({ mode: "market_cap", symbols: twenty, current: storedTop, today: TODAY, cfg: big }).sanityIssues).toEqual([]);
  });

  it("flags a broken import that empties a universe", () => {
    const broken = twenty.map((r, i) => (i % 2 ? r : { ...r, active: false }));
    const { sanityIssues } = planSync({ mode: "market_cap", symbols: broken, current: storedTop, today: TODAY, cfg: big });
    expect(sanityIssues).toEqual(["top_20 would lose 10 of its 20 members (50.0%), more than the allowed 30.0%"]);
  });
});

describe("planSync on 10,000 symbols", () => {
  const symbols = syntheticMarket(10_000, TODAY);
  const full = loadCacheSyncConfig({});

  // Speed is measured by `npm run bench`, never asserted in a unit test.
  it("fills the top lists and sector leaders of a full sync", () => {
    const result = planSync({ mode: "full", symbols, current: new Map(), today: TODAY, cfg: full });
    expect(result.universes.find((u) => u.name === "top_2000")!.symbols).toHaveLength(2000);
    expect(result.universes.filter((u) => u.type === "sector").every((u) => u.symbols.length === 10)).toBe(true);
  });

  it("finds no change when repeated over its own result", () => {
    const first = planSync({ mode: "full", symbols, current: new Map(), today: TODAY, cfg: full });
    const again = planSync({ mode: "full", symbols, current: store(first), today: TODAY, cfg: full });
    expect(again.totalChanges).toBe(0);
  });
});
