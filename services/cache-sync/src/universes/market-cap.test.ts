import { describe, expect, it } from "vitest";
import { DEFAULT_CACHE_SYNC_CONFIG as defaults, loadCacheSyncConfig } from "../config.ts";
import { ladder, sym } from "./fixtures.ts";
import { bandOf, marketCapUniverses } from "./market-cap.ts";
import { slugify } from "./ranking.ts";
import type { SymbolRecord, Universe } from "./types.ts";

const membersOf = (universes: Universe[], name: string) => universes.find((u) => u.name === name)?.symbols;
const bandsOf = (symbols: SymbolRecord[], cfg = defaults) => {
  const universes = marketCapUniverses(symbols, cfg);
  return Object.fromEntries(["mega_cap", "large_cap", "mid_cap", "small_cap", "micro_cap"].map((b) => [b, membersOf(universes, b)]));
};

describe("market-cap bands", () => {
  it("puts exactly $200B in mega_cap", () => {
    expect(bandOf(200e9, defaults)).toBe("mega_cap");
  });

  it("puts $199.99B in large_cap", () => {
    expect(bandOf(199.99e9, defaults)).toBe("large_cap");
  });

  it("starts each band at its threshold", () => {
    expect([10e9, 2e9, 300e6, 50e6].map((cap) => bandOf(cap, defaults))).toEqual(["large_cap", "mid_cap", "small_cap", "micro_cap"]);
  });

  it("ends each band just below the next threshold", () => {
    expect([10e9 - 1, 2e9 - 1, 300e6 - 1].map((cap) => bandOf(cap, defaults))).toEqual(["mid_cap", "small_cap", "micro_cap"]);
  });

  it("puts nothing below $50M in a band", () => {
    expect(bandOf(49_999_999, defaults)).toBeNull();
  });

  it("puts unknown market caps in no band", () => {
    expect([0, NaN, -5, Infinity].map((cap) => bandOf(cap, defaults))).toEqual([null, null, null, null]);
  });

  it("assigns each symbol to exactly one band", () => {
    const bands = bandsOf([sym("MEGA", { marketCap: 3e12 }), sym("MID", { marketCap: 5e9 }), sym("TINY", { marketCap: 1e6 }), sym("NONE", { marketCap: NaN })]);
    expect(bands).toEqual({ mega_cap: ["MEGA"], large_cap: [], mid_cap: ["MID"], small_cap: [], micro_cap: [] });
  });

  it("ranks a band by market cap, ties by symbol", () => {
    const bands = bandsOf([sym("B", { marketCap: 3e9 }), sym("C", { marketCap: 5e9 }), sym("A", { marketCap: 3e9 })]);
    expect(bands.mid_cap).toEqual(["C", "A", "B"]);
  });

  it("uses the configured thresholds", () => {
    const cfg = loadCacheSyncConfig({ marketCapThresholds: { mega_cap: 1e12 } });
    expect(bandsOf([sym("X", { marketCap: 500e9 })], cfg).large_cap).toEqual(["X"]);
  });

  it("leaves out inactive and delisted symbols", () => {
    const bands = bandsOf([sym("GONE", { marketCap: 5e9, active: false }), sym("DEAD", { marketCap: 5e9, delistedDate: "2025-01-02" })]);
    expect(bands.mid_cap).toEqual([]);
  });

  it("leaves out excluded types such as ETFs", () => {
    expect(bandsOf([sym("SPY", { marketCap: 500e9, type: "ETF" })]).mega_cap).toEqual([]);
  });

  it("keeps the live record of a symbol listed twice", () => {
    const bands = bandsOf([sym("DUP", { marketCap: 5e9, active: false }), sym("DUP", { marketCap: 50e9 })]);
    expect(bands.large_cap).toEqual(["DUP"]);
    expect(bands.mid_cap).toEqual([]);
  });

  it("describes each band in metadata", () => {
    const mega = marketCapUniverses([], defaults).find((u) => u.name === "mega_cap")!;
    const large = marketCapUniverses([], defaults).find((u) => u.name === "large_cap")!;
    expect(mega).toMatchObject({ type: "market_cap", metadata: { market_cap_range: "mega_cap", min_market_cap: 200e9, max_market_cap: null } });
    expect(large.metadata).toMatchObject({ min_market_cap: 10e9, max_market_cap: 200e9 });
  });
});

describe("top-N universes", () => {
  const cfg = loadCacheSyncConfig({ universeLimits: { top_2: 2, top_5: 5 } });

  it("takes the largest N by market cap", () => {
    const universes = marketCapUniverses(ladder(4), cfg);
    expect(membersOf(universes, "top_2")).toEqual(["S4", "S3"]);
  });

  it("breaks market-cap ties by symbol", () => {
    const universes = marketCapUniverses([sym("ZED", { marketCap: 5e9 }), sym("ABC", { marketCap: 5e9 }), sym("MMM", { marketCap: 5e9 })], cfg);
    expect(membersOf(universes, "top_2")).toEqual(["ABC", "MMM"]);
  });

  it("holds every symbol when there are fewer than N", () => {
    expect(membersOf(marketCapUniverses(ladder(3), cfg), "top_5")).toEqual(["S3", "S2", "S1"]);
  });

  it("ranks symbols below the micro-cap threshold but not unknown caps", () => {
    const universes = marketCapUniverses([sym("TINY", { marketCap: 1e6 }), sym("NONE", { marketCap: 0 })], cfg);
    expect(membersOf(universes, "top_5")).toEqual(["TINY"]);
  });

  it("builds the four default top lists", () => {
    const universes = marketCapUniverses(ladder(150), defaults);
    expect(universes.filter((u) => u.type === "top_n").map((u) => [u.name, u.symbols.length])).toEqual([
      ["top_100", 100], ["top_500", 150], ["top_1000", 150], ["top_2000", 150],
    ]);
  });

  it("emits every band and top list even for an empty market", () => {
    expect(marketCapUniverses([], defaults).map((u) => u.name)).toEqual([
      "mega_cap", "large_cap", "mid_cap", "small_cap", "micro_cap", "top_100", "top_500", "top_1000", "top_2000",
    ]);
  });
});

describe("sector leaders", () => {
  const cfg = loadCacheSyncConfig({ sectorLeadersPerSector: 2 });
  const market = [
    sym("T1", { sector: "Technology", marketCap: 3e12 }),
    sym("T2", { sector: "Technology", marketCap: 2e12 }),
    sym("T3", { sector: "Technology", marketCap: 1e12 }),
    sym("H1", { sector: "Health Care", marketCap: 5e11 }),
    sym("NS", { sector: "", marketCap: 9e12 }),
  ];
  const leaders = (symbols: SymbolRecord[]) => marketCapUniverses(symbols, cfg).filter((u) => u.type === "sector");

  it("keeps the top N of each sector", () => {
    expect(leaders(market).map((u) => [u.name, u.symbols])).toEqual([
      ["sector_leaders_health_care", ["H1"]],
      ["sector_leaders_technology", ["T1", "T2"]],
    ]);
  });

  it("defaults to ten per sector", () => {
    const tech = marketCapUniverses(ladder(12, { sector: "Technology" }), defaults).find((u) => u.type === "sector")!;
    expect(tech.symbols).toHaveLength(10);
    expect(tech.symbols[0]).toBe("S12");
  });

  it("gives sectorless symbols no sector", () => {
    expect(leaders([sym("NS", { sector: "  " })])).toEqual([]);
  });

  it("leaves unknown market caps out", () => {
    expect(leaders([sym("X", { sector: "Energy", marketCap: NaN })])).toEqual([]);
  });

  it("merges sectors spelled with a different case or punctuation", () => {
    const merged = leaders([sym("A", { sector: "Health Care", marketCap: 2e9 }), sym("B", { sector: "health-care", marketCap: 1e9 })]);
    expect(merged.map((u) => [u.name, u.symbols])).toEqual([["sector_leaders_health_care", ["A", "B"]]]);
  });

  it("names the sector in metadata", () => {
    expect(leaders(market)[1].metadata).toEqual({ sector: "Technology", limit: 2 });
  });

  it("keeps names within 100 characters", () => {
    const [long] = leaders([sym("L", { sector: "Very Long Sector Name ".repeat(10) })]);
    expect(long.name.length).toBeLessThanOrEqual(100);
    expect(long.name.endsWith("_")).toBe(false);
  });
});

describe("slugify", () => {
  it("lower-cases and turns runs of other characters into one underscore", () => {
    expect(slugify("Consumer Discretionary")).toBe("consumer_discretionary");
    expect(slugify("Real Estate & REITs")).toBe("real_estate_reits");
    expect(slugify("  -Energy- ")).toBe("energy");
  });
});
