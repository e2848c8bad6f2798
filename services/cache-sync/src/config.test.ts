import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError } from "@tickstock/common/config.ts";
import { DEFAULT_CACHE_SYNC_CONFIG, loadCacheSyncConfig, loadCacheSyncServiceConfig } from "./config.ts";

/** The dotted paths of the issues a bad config produces ([] when it parses). */
function issuePaths(raw: unknown): string[] {
  try {
    loadCacheSyncConfig(raw);
    return [];
  } catch (error) {
    if (!(error instanceof z.ZodError)) throw error;
    return error.issues.map((issue) => issue.path.join("."));
  }
}

const theme = (rule: Record<string, unknown>) => ({ themes: { my_theme: { sicTerms: ["software"], ...rule } } });

describe("loadCacheSyncConfig defaults", () => {
  it("matches seed 003 step 4", () => {
    const cfg = loadCacheSyncConfig(undefined);
    expect(cfg.marketCapThresholds).toEqual({ mega_cap: 200e9, large_cap: 10e9, mid_cap: 2e9, small_cap: 300e6, micro_cap: 50e6 });
    expect(cfg.universeLimits).toEqual({ top_100: 100, top_500: 500, top_1000: 1000, top_2000: 2000 });
    expect(cfg).toMatchObject({ sectorLeadersPerSector: 10, ipoWindowDays: 90, maxShrinkRatio: 0.3, minSizeForShrinkCheck: 10, batchSize: 1000, timeoutMinutes: 30 });
  });

  it("defines the nine themes of the contract", () => {
    expect(Object.keys(DEFAULT_CACHE_SYNC_CONFIG.themes).sort()).toEqual([
      "ai_ml_leaders", "biotech_innovators", "cloud_computing", "crypto_blockchain", "dividend_aristocrats",
      "esg_leaders", "fintech_disruptors", "green_energy", "technology_leaders",
    ]);
  });

  it("fills every field of a default theme", () => {
    expect(DEFAULT_CACHE_SYNC_CONFIG.themes.dividend_aristocrats).toMatchObject({ minListedYears: 25, minMarketCap: 10e9, excluded: [] });
    expect(DEFAULT_CACHE_SYNC_CONFIG.themes.ai_ml_leaders).toMatchObject({ minMarketCap: 10e9, maxSize: 50 });
  });

  it("keeps the defaults of thresholds not given", () => {
    const cfg = loadCacheSyncConfig({ marketCapThresholds: { mega_cap: 300e9 } });
    expect(cfg.marketCapThresholds).toMatchObject({ mega_cap: 300e9, large_cap: 10e9 });
  });

  it("replaces the default themes when themes are given", () => {
    expect(Object.keys(loadCacheSyncConfig(theme({})).themes)).toEqual(["my_theme"]);
  });
});

describe("loadCacheSyncConfig rejects", () => {
  it("a negative threshold", () => {
    expect(issuePaths({ marketCapThresholds: { micro_cap: -1 } })).toContain("marketCapThresholds.micro_cap");
  });

  it("thresholds out of order", () => {
    expect(issuePaths({ marketCapThresholds: { large_cap: 250e9 } })).toEqual(["marketCapThresholds.large_cap"]);
  });

  it("equal thresholds", () => {
    expect(issuePaths({ marketCapThresholds: { small_cap: 2e9 } })).toEqual(["marketCapThresholds.small_cap"]);
  });

  it("a theme maxSize below 1", () => {
    expect(issuePaths(theme({ maxSize: 0 }))).toEqual(["themes.my_theme.maxSize"]);
  });

  it("a theme that is not an object", () => {
    expect(issuePaths({ themes: { my_theme: ["software"] } })).toEqual(["themes.my_theme"]);
  });

  it("an unknown field in a theme", () => {
    expect(issuePaths(theme({ sicTerm: ["typo"] }))).toEqual(["themes.my_theme"]);
  });

  it("a theme name that is not snake_case", () => {
    expect(issuePaths({ themes: { "AI Leaders": { sicTerms: ["software"] } } })).toEqual(["themes.AI Leaders"]);
  });

  it("a theme without any rule", () => {
    expect(issuePaths(theme({ sicTerms: [] }))).toEqual(["themes.my_theme.sectors"]);
  });

  it("a symbol both pinned and excluded", () => {
    expect(issuePaths(theme({ pinned: ["AAPL"], excluded: ["AAPL"] }))).toEqual(["themes.my_theme.pinned.0"]);
  });

  it("more pins than maxSize", () => {
    expect(issuePaths(theme({ pinned: ["A", "B"], maxSize: 1 }))).toEqual(["themes.my_theme.pinned"]);
  });

  it("a blank term", () => {
    expect(issuePaths(theme({ industries: ["  "] }))).toEqual(["themes.my_theme.industries.0"]);
  });

  it("a theme named like another universe", () => {
    expect(issuePaths({ themes: { mega_cap: { sicTerms: ["software"] } } })).toEqual(["themes.mega_cap"]);
    expect(issuePaths({ themes: { sector_leaders_tech: { sicTerms: ["software"] } } })).toEqual(["themes.sector_leaders_tech"]);
  });

  it("a top-N limit that is not a positive integer", () => {
    expect(issuePaths({ universeLimits: { top_10: 0 } })).toEqual(["universeLimits.top_10"]);
    expect(issuePaths({ universeLimits: { top_10: 2.5 } })).toEqual(["universeLimits.top_10"]);
  });

  it("an unknown top-level key", () => {
    expect(issuePaths({ ipoWindowDay: 30 })).toEqual([""]);
  });

  it("out-of-range settings, each by its path", () => {
    expect(issuePaths({ maxShrinkRatio: 1.5, ipoWindowDays: 0, batchSize: 0, timeoutMinutes: -1 }).sort()).toEqual([
      "batchSize", "ipoWindowDays", "maxShrinkRatio", "timeoutMinutes",
    ]);
  });

  it("a wrong type", () => {
    expect(issuePaths({ batchSize: "1000" })).toEqual(["batchSize"]);
  });

  it("with a ZodError whose message names the path", () => {
    expect(() => loadCacheSyncConfig(theme({ maxSize: 0 }))).toThrow(/maxSize/);
  });
});

describe("loadCacheSyncServiceConfig: metrics and monitoring", () => {
  it("serves metrics on 9102 and publishes system_metrics every 30 s by default; 0 turns either off", () => {
    expect(loadCacheSyncServiceConfig({})).toMatchObject({ CACHE_SYNC_METRICS_PORT: 9102, SYSTEM_METRICS_INTERVAL_MS: 30_000 });
    expect(loadCacheSyncServiceConfig({ CACHE_SYNC_METRICS_PORT: "0", SYSTEM_METRICS_INTERVAL_MS: "0" })).toMatchObject({ CACHE_SYNC_METRICS_PORT: 0, SYSTEM_METRICS_INTERVAL_MS: 0 });
  });

  it("rejects a port out of range or not a number, and an interval below a second, naming each", () => {
    expect(() => loadCacheSyncServiceConfig({ CACHE_SYNC_METRICS_PORT: "70000" })).toThrow(/CACHE_SYNC_METRICS_PORT/);
    expect(() => loadCacheSyncServiceConfig({ CACHE_SYNC_METRICS_PORT: "metrics" })).toThrow(ConfigError);
    expect(() => loadCacheSyncServiceConfig({ SYSTEM_METRICS_INTERVAL_MS: "500" })).toThrow(/SYSTEM_METRICS_INTERVAL_MS: must be 0 \(off\) or at least 1000/);
  });
});
