import { describe, expect, it } from "vitest";
import { DEFAULT_CACHE_SYNC_CONFIG, loadCacheSyncConfig } from "../config.ts";
import { sym } from "./fixtures.ts";
import { themeUniverses } from "./themes.ts";
import type { SymbolRecord } from "./types.ts";

const TODAY = "2025-01-24";
/** Members of a single theme `t` defined by `rule` over `symbols`. */
function members(rule: Record<string, unknown>, symbols: SymbolRecord[], today = TODAY): string[] {
  const cfg = loadCacheSyncConfig({ themes: { t: rule } });
  return themeUniverses(symbols, cfg, today)[0].symbols;
}

describe("theme rules", () => {
  it("match a sector term as a case-insensitive substring", () => {
    expect(members({ sectors: ["technology"] }, [sym("IT", { sector: "Information Technology" }), sym("HC", { sector: "Health Care" })])).toEqual(["IT"]);
  });

  it("match an industry term", () => {
    expect(members({ industries: ["Semiconductor"] }, [sym("CHIP", { industry: "Semiconductors" }), sym("BANK", { industry: "Banks" })])).toEqual(["CHIP"]);
  });

  it("match a SIC-description term against the provider's upper-case text", () => {
    const symbols = [sym("SOFT", { sicDescription: "SERVICES-PREPACKAGED SOFTWARE" }), sym("FOOD", { sicDescription: "RETAIL-EATING PLACES" })];
    expect(members({ sicTerms: ["prepackaged software"] }, symbols)).toEqual(["SOFT"]);
  });

  it("match when any one field matches", () => {
    const symbols = [sym("A", { sector: "Energy" }), sym("B", { industry: "Solar" }), sym("C", { sicDescription: "COGENERATION SERVICES" })];
    expect(members({ sectors: ["energy"], industries: ["solar"], sicTerms: ["cogeneration"] }, symbols).sort()).toEqual(["A", "B", "C"]);
  });

  it("do not look for sector terms in other fields", () => {
    expect(members({ sectors: ["software"] }, [sym("X", { industry: "Software" })])).toEqual([]);
  });

  it("drop symbols matching an excluded term in any field", () => {
    const symbols = [sym("MSFT", { sector: "Technology" }), sym("OIL", { sector: "Technology", sicDescription: "CRUDE PETROLEUM & NATURAL GAS" })];
    expect(members({ sectors: ["technology"], excludedTerms: ["crude petroleum"] }, symbols)).toEqual(["MSFT"]);
  });

  it("never admit an excluded symbol", () => {
    expect(members({ sectors: ["tech"], excluded: ["BAD"] }, [sym("BAD", { sector: "Tech" }), sym("OK", { sector: "Tech" })])).toEqual(["OK"]);
  });

  it("require the minimum market cap", () => {
    const symbols = [sym("BIG", { sector: "Tech", marketCap: 10e9 }), sym("SMALL", { sector: "Tech", marketCap: 9.99e9 })];
    expect(members({ sectors: ["tech"], minMarketCap: 10e9 }, symbols)).toEqual(["BIG"]);
  });

  it("treat an unknown market cap as below any minimum", () => {
    expect(members({ sectors: ["tech"], minMarketCap: 1 }, [sym("X", { sector: "Tech", marketCap: NaN })])).toEqual([]);
  });

  it("admit unknown market caps, ranked last, when there is no minimum", () => {
    const symbols = [sym("NONE", { sector: "Tech", marketCap: 0 }), sym("SOME", { sector: "Tech", marketCap: 1e6 })];
    expect(members({ sectors: ["tech"] }, symbols)).toEqual(["SOME", "NONE"]);
  });

  it("leave out inactive and delisted symbols", () => {
    const symbols = [sym("A", { sector: "Tech", active: false }), sym("B", { sector: "Tech", delistedDate: "2024-12-31" })];
    expect(members({ sectors: ["tech"] }, symbols)).toEqual([]);
  });

  it("rank members by market cap, ties by symbol", () => {
    const symbols = [sym("B", { sector: "Tech", marketCap: 5e9 }), sym("C", { sector: "Tech", marketCap: 9e9 }), sym("A", { sector: "Tech", marketCap: 5e9 })];
    expect(members({ sectors: ["tech"] }, symbols)).toEqual(["C", "A", "B"]);
  });

  it("keep the largest matches up to maxSize", () => {
    const symbols = [1, 2, 3, 4].map((i) => sym(`S${i}`, { sector: "Tech", marketCap: i * 1e9 }));
    expect(members({ sectors: ["tech"], maxSize: 2 }, symbols)).toEqual(["S4", "S3"]);
  });

  it("keep a fitting recent IPO beyond maxSize", () => {
    const symbols = [1, 2, 3].map((i) => sym(`S${i}`, { sector: "Tech", marketCap: i * 1e9 }));
    symbols.push(sym("IPO", { sector: "Tech", marketCap: 0.5e9, listDate: "2024-12-02" }), sym("OLD", { sector: "Tech", marketCap: 0.6e9, listDate: "2024-10-01" }));
    expect(members({ sectors: ["tech"], maxSize: 2 }, symbols)).toEqual(["S3", "S2", "IPO"]);
  });

  it("give a recent IPO beyond maxSize no pass on the other rules", () => {
    const ipo = sym("IPO", { sector: "Tech", marketCap: 0.5e9, listDate: "2025-01-02" });
    expect(members({ sectors: ["tech"], maxSize: 1, minMarketCap: 1e9 }, [sym("BIG", { sector: "Tech", marketCap: 9e9 }), ipo])).toEqual(["BIG"]);
  });
});

describe("pinned symbols", () => {
  it("are members whatever the rules say", () => {
    expect(members({ sectors: ["tech"], pinned: ["KO"], minMarketCap: 1e12 }, [sym("KO", { sector: "Staples", marketCap: 0 })])).toEqual(["KO"]);
  });

  it("take their seats before rule matches", () => {
    const symbols = [sym("BIG", { sector: "Tech", marketCap: 9e12 }), sym("PIN", { marketCap: 1e9 }), sym("MID", { sector: "Tech", marketCap: 5e9 })];
    expect(members({ sectors: ["tech"], pinned: ["PIN"], maxSize: 2 }, symbols)).toEqual(["BIG", "PIN"]);
  });

  it("are ranked among the other members", () => {
    const symbols = [sym("A", { sector: "Tech", marketCap: 1e9 }), sym("PIN", { marketCap: 5e9 })];
    expect(members({ sectors: ["tech"], pinned: ["PIN"] }, symbols)).toEqual(["PIN", "A"]);
  });

  it("leave when inactive, delisted or unknown", () => {
    const symbols = [sym("OFF", { active: false }), sym("DEL", { delistedDate: "2025-01-02" })];
    expect(members({ pinned: ["OFF", "DEL", "GHOST"] }, symbols)).toEqual([]);
  });

  it("are counted once", () => {
    expect(members({ sectors: ["tech"], pinned: ["PIN", "PIN"], maxSize: 2 }, [sym("PIN", { sector: "Tech" }), sym("X", { sector: "Tech", marketCap: 1 })])).toEqual(["PIN", "X"]);
  });
});

describe("minimum listing age", () => {
  const rule = { sectors: ["staples"], minListedYears: 25 };
  const listed = (listDate: string) => members(rule, [sym("X", { sector: "Staples", listDate })]);

  it("admits a symbol listed exactly that many years ago", () => {
    expect(listed("2000-01-24")).toEqual(["X"]);
  });

  it("rejects one listed a day later", () => {
    expect(listed("2000-01-25")).toEqual([]);
  });

  it("rejects an unknown or malformed list date", () => {
    expect(listed("")).toEqual([]);
    expect(listed("2000-02-30")).toEqual([]);
  });

  it("maps 29 February to the 28th of a common year", () => {
    expect(members({ sectors: ["staples"], minListedYears: 1 }, [sym("X", { sector: "Staples", listDate: "2023-02-28" })], "2024-02-29")).toEqual(["X"]);
  });
});

describe("themeUniverses", () => {
  it("emits every configured theme, even an empty one, with its metadata", () => {
    const universes = themeUniverses([], DEFAULT_CACHE_SYNC_CONFIG, TODAY);
    expect(universes).toHaveLength(9);
    expect(universes.every((u) => u.type === "theme" && u.symbols.length === 0)).toBe(true);
    expect(universes.find((u) => u.name === "ai_ml_leaders")!.metadata).toMatchObject({ theme: "ai_ml_leaders", max_size: 50, min_market_cap: 10e9 });
  });

  it("rejects a malformed today", () => {
    expect(() => themeUniverses([], DEFAULT_CACHE_SYNC_CONFIG, "24/01/2025")).toThrow(RangeError);
  });
});

describe("default themes on provider-like data", () => {
  const market = [
    sym("NVDA", { sicDescription: "SEMICONDUCTORS & RELATED DEVICES", marketCap: 3.4e12, listDate: "1999-01-22" }),
    sym("CRM", { sicDescription: "SERVICES-PREPACKAGED SOFTWARE", marketCap: 300e9, listDate: "2004-06-23" }),
    sym("TINYSOFT", { sicDescription: "SERVICES-PREPACKAGED SOFTWARE", marketCap: 500e6 }),
    sym("MRNA", { sicDescription: "BIOLOGICAL PRODUCTS, (NO DIAGNOSTIC SUBSTANCES)", marketCap: 15e9 }),
    sym("DUK", { sicDescription: "ELECTRIC SERVICES", marketCap: 90e9, listDate: "1961-01-01" }),
    sym("XOM", { sicDescription: "PETROLEUM REFINING", marketCap: 470e9, sector: "Technology" }),
    sym("COIN", { sicDescription: "SERVICES-COMPUTER PROCESSING & DATA PREPARATION", marketCap: 70e9, listDate: "2021-04-14" }),
  ];
  const byName = Object.fromEntries(themeUniverses(market, DEFAULT_CACHE_SYNC_CONFIG, TODAY).map((u) => [u.name, u.symbols]));

  it("puts large chip and software makers in ai_ml_leaders, not small ones", () => {
    expect(byName.ai_ml_leaders).toEqual(["NVDA", "CRM", "COIN"]);
  });

  it("puts biologics makers in biotech_innovators", () => {
    expect(byName.biotech_innovators).toEqual(["MRNA"]);
  });

  it("puts a long-listed large utility in dividend_aristocrats", () => {
    expect(byName.dividend_aristocrats).toEqual(["DUK"]);
  });

  it("keeps refiners out of esg_leaders", () => {
    expect(byName.esg_leaders).toEqual(["NVDA", "CRM"]);
  });

  it("puts pinned crypto names in crypto_blockchain", () => {
    expect(byName.crypto_blockchain).toEqual(["COIN"]);
  });
});
