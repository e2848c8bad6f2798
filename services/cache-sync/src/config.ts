// Cache-sync configuration (seed 003 step 4): market-cap thresholds, top-N limits, the theme
// rules, the IPO window, the sanity limits, batch size and timeout. Parsed once at start-up from
// optional JSON; every key is optional and falls back to the defaults below. `themes` and
// `universeLimits`, when given, replace the whole default set (a theme left out is no longer
// rebuilt); thresholds merge key by key.
import { readFileSync } from "node:fs";
import { z } from "zod";
import { commonEnv, ConfigError, monitoringEnv, parseEnv, port, serviceAddressEnv } from "@tickstock/common/config.ts";
import { DEFAULT_THEMES } from "./universes/default-themes.ts";

const BAND_NAMES = ["mega_cap", "large_cap", "mid_cap", "small_cap", "micro_cap"] as const;
const UNIVERSE_NAME = /^[a-z][a-z0-9_]*$/;
/** Room for the longest name next to the 100-character `cache_entries.universe`. */
const MAX_NAME_LENGTH = 100;
/** Tickers as the provider spells them: BRK.B, BF-B, AAPL. No spaces. */
const symbolSchema = z.string().regex(/^[A-Za-z0-9.\-_/]{1,20}$/, "must be a ticker symbol");
const termSchema = z.string().trim().min(1, "must not be blank").max(100);
const usd = z.number().finite().nonnegative();

const themeRuleSchema = z
  .strictObject({
    description: z.string().max(500).default(""),
    /** Case-insensitive substrings of SymbolRecord.sector; any match qualifies. */
    sectors: z.array(termSchema).default([]),
    /** Case-insensitive substrings of SymbolRecord.industry; any match qualifies. */
    industries: z.array(termSchema).default([]),
    /** Case-insensitive substrings of SymbolRecord.sicDescription; any match qualifies. */
    sicTerms: z.array(termSchema).default([]),
    /** Substrings of sector, industry or SIC description that disqualify a (non-pinned) symbol. */
    excludedTerms: z.array(termSchema).default([]),
    /** Always members while active and listed, whatever the other rules say. */
    pinned: z.array(symbolSchema).default([]),
    /** Never members. */
    excluded: z.array(symbolSchema).default([]),
    minMarketCap: usd.default(0),
    /** Listed at least this many whole years before the sync day; unknown list dates fail it. */
    minListedYears: z.number().int().min(0).max(200).default(0),
    maxSize: z.number().int().min(1).max(10_000).default(50),
  })
  .superRefine((rule, ctx) => {
    const hasRule = rule.sectors.length + rule.industries.length + rule.sicTerms.length + rule.pinned.length > 0;
    if (!hasRule) {
      ctx.addIssue({ code: "custom", path: ["sectors"], message: "a theme needs sectors, industries, sicTerms or pinned symbols" });
    }
    const excluded = new Set(rule.excluded);
    rule.pinned.forEach((symbol, i) => {
      if (excluded.has(symbol)) ctx.addIssue({ code: "custom", path: ["pinned", i], message: `${symbol} is both pinned and excluded` });
    });
    if (new Set(rule.pinned).size > rule.maxSize) {
      ctx.addIssue({ code: "custom", path: ["pinned"], message: `more pinned symbols than maxSize (${rule.maxSize})` });
    }
  });

const thresholdsSchema = z
  .strictObject({
    mega_cap: usd.positive().default(200e9),
    large_cap: usd.positive().default(10e9),
    mid_cap: usd.positive().default(2e9),
    small_cap: usd.positive().default(300e6),
    micro_cap: usd.positive().default(50e6),
  })
  .superRefine((t, ctx) => {
    for (let i = 1; i < BAND_NAMES.length; i++) {
      const [upper, lower] = [BAND_NAMES[i - 1], BAND_NAMES[i]];
      if (!(t[lower] < t[upper])) {
        ctx.addIssue({ code: "custom", path: [lower], message: `must be below ${upper} (${t[upper]})` });
      }
    }
  });

const universeNameSchema = z.string().max(MAX_NAME_LENGTH).regex(UNIVERSE_NAME, "must be snake_case");

export const cacheSyncConfigSchema = z
  .strictObject({
    /** Lower bound of each band; a band ends where the next larger one starts. */
    marketCapThresholds: thresholdsSchema.prefault({}),
    universeLimits: z
      .record(universeNameSchema, z.number().int().min(1).max(1_000_000))
      .default({ top_100: 100, top_500: 500, top_1000: 1000, top_2000: 2000 }),
    sectorLeadersPerSector: z.number().int().min(1).max(1000).default(10),
    themes: z.record(universeNameSchema, themeRuleSchema).prefault(DEFAULT_THEMES),
    /** Symbol types (SymbolRecord.type) left out of every ranking; an empty type always counts. */
    excludedTypes: z.array(z.string().min(1)).default(["ETF", "ETN", "ETV", "ETS", "FUND", "WARRANT", "RIGHT", "UNIT", "PFD", "SP", "BOND", "BASKET", "INDEX"]),
    /** A symbol is a recent IPO from its list day up to and including this many days after. */
    ipoWindowDays: z.number().int().min(1).max(3650).default(90),
    /** Without `force`, a job fails when a universe would lose more than this share of its members. */
    maxShrinkRatio: z.number().min(0).max(1).default(0.3),
    /** Universes smaller than this (before the sync) are not shrink-checked: one symbol of five is noise. */
    minSizeForShrinkCheck: z.number().int().min(0).default(10),
    batchSize: z.number().int().min(1).max(100_000).default(1000),
    timeoutMinutes: z.number().positive().max(24 * 60).default(30),
  })
  .superRefine((cfg, ctx) => {
    const fixed = new Set<string>([...BAND_NAMES, ...Object.keys(cfg.universeLimits), "recent_ipos"]);
    for (const name of Object.keys(cfg.universeLimits)) {
      if ((BAND_NAMES as readonly string[]).includes(name) || name === "recent_ipos" || name.startsWith("sector_leaders_")) {
        ctx.addIssue({ code: "custom", path: ["universeLimits", name], message: "collides with another universe name" });
      }
    }
    for (const name of Object.keys(cfg.themes)) {
      if (fixed.has(name) || name.startsWith("sector_leaders_")) {
        ctx.addIssue({ code: "custom", path: ["themes", name], message: "collides with another universe name" });
      }
    }
  });

export type CacheSyncConfig = z.output<typeof cacheSyncConfigSchema>;
export type ThemeRule = CacheSyncConfig["themes"][string];
/** A theme as written in configuration: every field optional. */
export type ThemeRuleInput = z.input<typeof themeRuleSchema>;
export type MarketCapBand = (typeof BAND_NAMES)[number];
export { BAND_NAMES };

/**
 * Parses raw configuration (JSON from the environment or a file; `undefined` = all defaults).
 * Throws the ZodError, whose issues name each bad path (e.g. `themes.ai_ml_leaders.maxSize`).
 */
export function loadCacheSyncConfig(raw: unknown): CacheSyncConfig {
  return cacheSyncConfigSchema.parse(raw ?? {});
}

export const DEFAULT_CACHE_SYNC_CONFIG: CacheSyncConfig = loadCacheSyncConfig({});

const dateList = z
  .string()
  .transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(z.iso.date("must be YYYY-MM-DD dates")));

/** The service's environment (the sync rules themselves come from CACHE_SYNC_CONFIG_FILE). */
export const cacheSyncEnvSchema = z.object({
  ...commonEnv,
  ...monitoringEnv,
  CACHE_SYNC_HOST: z.string().default("0.0.0.0"),
  CACHE_SYNC_PORT: port(50053),
  /** GET /metrics (Prometheus) on CACHE_SYNC_HOST; 0 turns it off. */
  CACHE_SYNC_METRICS_PORT: port(9102),
  IMPORT_ADDR: serviceAddressEnv.IMPORT_ADDR,
  /** JSON file with a CacheSyncConfig (every key optional); unset: the defaults of seed 003. */
  CACHE_SYNC_CONFIG_FILE: z.string().optional(),
  /** Deadline of each call to the import service. */
  CACHE_SYNC_IMPORT_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  /** Extra full-day market closures, comma-separated YYYY-MM-DD (the same variable as the import service's). */
  MARKET_SPECIAL_CLOSURES: dateList.default(["2025-01-09"]),
});

export type CacheSyncEnv = z.infer<typeof cacheSyncEnvSchema>;
export type CacheSyncServiceConfig = CacheSyncEnv & { sync: CacheSyncConfig };

/** Environment plus the sync configuration file; any problem is one ConfigError line. */
export function loadCacheSyncServiceConfig(env: NodeJS.ProcessEnv = process.env): CacheSyncServiceConfig {
  const parsed = parseEnv(cacheSyncEnvSchema, env);
  return { ...parsed, sync: readSyncConfigFile(parsed.CACHE_SYNC_CONFIG_FILE) };
}

export function readSyncConfigFile(path: string | undefined): CacheSyncConfig {
  if (path === undefined) return DEFAULT_CACHE_SYNC_CONFIG;
  const fail = (why: string) => new ConfigError(`invalid configuration: CACHE_SYNC_CONFIG_FILE ${path}: ${why}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw fail(err instanceof Error ? err.message : String(err));
  }
  const result = cacheSyncConfigSchema.safeParse(raw);
  if (!result.success) throw fail(result.error.issues.map((i) => `${i.path.join(".") || "(file)"}: ${i.message}`).join("; "));
  return result.data;
}
