import { describe, expect, it } from "vitest";
import { DEFAULT_CACHE_SYNC_CONFIG as defaults, loadCacheSyncConfig } from "../config.ts";
import { parseDay } from "./dates.ts";
import { sym } from "./fixtures.ts";
import { ipoAssignment, isRecentIpo } from "./ipo.ts";

const TODAY = "2025-01-24";
const today = parseDay(TODAY)!;
const cfg = loadCacheSyncConfig({
  themes: {
    software: { sicTerms: ["software"], minMarketCap: 1e9 },
    pins: { pinned: ["PINNED"] },
  },
});

describe("the IPO window", () => {
  it("includes a symbol listed today", () => {
    expect(isRecentIpo(TODAY, today, 90)).toBe(true);
  });

  it("includes a symbol listed exactly 90 days ago", () => {
    expect(isRecentIpo("2024-10-26", today, 90)).toBe(true);
  });

  it("excludes a symbol listed 91 days ago", () => {
    expect(isRecentIpo("2024-10-25", today, 90)).toBe(false);
  });

  it("excludes a list date in the future", () => {
    expect(isRecentIpo("2025-01-25", today, 90)).toBe(false);
  });

  it("excludes unknown and malformed list dates", () => {
    expect(isRecentIpo("", today, 90)).toBe(false);
    expect(isRecentIpo("2025-13-01", today, 90)).toBe(false);
  });

  it("follows the configured window", () => {
    const short = loadCacheSyncConfig({ ipoWindowDays: 7 });
    const { recentIpos } = ipoAssignment([sym("NEW", { listDate: "2025-01-17" }), sym("OLD", { listDate: "2025-01-16" })], short, TODAY);
    expect(recentIpos.symbols).toEqual(["NEW"]);
  });
});

describe("ipoAssignment", () => {
  it("puts recent IPOs in recent_ipos, ranked by market cap", () => {
    const { recentIpos } = ipoAssignment(
      [sym("A", { listDate: "2025-01-10", marketCap: 1e9 }), sym("B", { listDate: "2025-01-02", marketCap: 5e9 }), sym("OLD", { listDate: "2020-01-02" })],
      cfg,
      TODAY,
    );
    expect(recentIpos).toMatchObject({ name: "recent_ipos", type: "ipo", symbols: ["B", "A"] });
    expect(recentIpos.metadata).toEqual({ window_days: 90, list_dates: { B: "2025-01-02", A: "2025-01-10" } });
  });

  it("includes an IPO whose market cap is not known yet, ranked last", () => {
    const { recentIpos } = ipoAssignment([sym("NOCAP", { listDate: TODAY, marketCap: NaN }), sym("CAP", { listDate: TODAY })], cfg, TODAY);
    expect(recentIpos.symbols).toEqual(["CAP", "NOCAP"]);
  });

  it("leaves out inactive IPOs and non-equity types", () => {
    const { recentIpos } = ipoAssignment([sym("GONE", { listDate: TODAY, active: false }), sym("FUND", { listDate: TODAY, type: "ETF" })], cfg, TODAY);
    expect(recentIpos.symbols).toEqual([]);
  });

  it("assigns an IPO to every theme whose rules it fits", () => {
    const { assignments, themeAdditions } = ipoAssignment([sym("NEWSOFT", { listDate: TODAY, sicDescription: "PREPACKAGED SOFTWARE", marketCap: 2e9 })], cfg, TODAY);
    expect(assignments).toEqual([{ symbol: "NEWSOFT", listDate: TODAY, universes: ["recent_ipos", "software"] }]);
    expect(themeAdditions).toEqual(new Map([["software", ["NEWSOFT"]]]));
  });

  it("does not assign an IPO below the theme's minimum market cap", () => {
    const { assignments } = ipoAssignment([sym("SMALL", { listDate: TODAY, sicDescription: "SOFTWARE", marketCap: 1e8 })], cfg, TODAY);
    expect(assignments[0].universes).toEqual(["recent_ipos"]);
  });

  it("assigns an IPO to a theme that pins it", () => {
    const { themeAdditions } = ipoAssignment([sym("PINNED", { listDate: TODAY })], cfg, TODAY);
    expect(themeAdditions.get("pins")).toEqual(["PINNED"]);
  });

  it("lists the additions of a theme in ranked order", () => {
    const ipos = [sym("S1", { marketCap: 2e9 }), sym("S2", { marketCap: 3e9 })].map((r) => ({ ...r, listDate: TODAY, sicDescription: "SOFTWARE" }));
    expect(ipoAssignment(ipos, cfg, TODAY).themeAdditions.get("software")).toEqual(["S2", "S1"]);
  });

  it("returns empty results without recent IPOs", () => {
    const result = ipoAssignment([sym("OLD")], defaults, TODAY);
    expect(result.recentIpos.symbols).toEqual([]);
    expect(result.assignments).toEqual([]);
    expect(result.themeAdditions.size).toBe(0);
  });
});
