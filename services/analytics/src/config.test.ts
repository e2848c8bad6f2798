import { describe, expect, it } from "vitest";
import { ConfigError } from "@tickstock/common/config.ts";
import { loadAnalyticsConfig, patternConfigOf } from "./config.ts";
import { DEFAULT_PATTERN_CONFIG } from "./compute.ts";

describe("loadAnalyticsConfig", () => {
  it("has working defaults, and the pattern defaults are the core's", () => {
    const cfg = loadAnalyticsConfig({});
    expect(cfg).toMatchObject({ ANALYTICS_PORT: 50054, IMPORT_ADDR: "127.0.0.1:50052", ANALYTICS_BATCH_SYMBOLS: 500, ANALYTICS_MAX_RANGE_DAYS: 3660 });
    expect(cfg.ANALYTICS_WORKERS).toBeUndefined();
    expect(patternConfigOf(cfg)).toEqual(DEFAULT_PATTERN_CONFIG);
  });

  it("reads the tunables, an empty value counting as unset", () => {
    const cfg = loadAnalyticsConfig({ ANALYTICS_WORKERS: "3", ANALYTICS_VOLUME_SPIKE_MULTIPLE: "2.5", ANALYTICS_BATCH_SYMBOLS: "" });
    expect(cfg.ANALYTICS_WORKERS).toBe(3);
    expect(cfg.ANALYTICS_BATCH_SYMBOLS).toBe(500);
    expect(patternConfigOf(cfg).volumeSpikeMultiple).toBe(2.5);
  });

  it("names every bad variable at once", () => {
    expect(() => loadAnalyticsConfig({ ANALYTICS_BATCH_SYMBOLS: "6000", ANALYTICS_WORKERS: "0" })).toThrow(/ANALYTICS_BATCH_SYMBOLS.*ANALYTICS_WORKERS|ANALYTICS_WORKERS.*ANALYTICS_BATCH_SYMBOLS/);
  });

  it("serves metrics on 9103 and publishes system_metrics every 30 s by default; 0 turns either off", () => {
    expect(loadAnalyticsConfig({})).toMatchObject({ ANALYTICS_METRICS_PORT: 9103, SYSTEM_METRICS_INTERVAL_MS: 30_000 });
    expect(loadAnalyticsConfig({ ANALYTICS_METRICS_PORT: "0", SYSTEM_METRICS_INTERVAL_MS: "0" })).toMatchObject({ ANALYTICS_METRICS_PORT: 0, SYSTEM_METRICS_INTERVAL_MS: 0 });
  });

  it("refuses a metrics port out of range", () => {
    expect(() => loadAnalyticsConfig({ ANALYTICS_METRICS_PORT: "-1" })).toThrow(/ANALYTICS_METRICS_PORT/);
    expect(() => loadAnalyticsConfig({ ANALYTICS_METRICS_PORT: "65536" })).toThrow(/ANALYTICS_METRICS_PORT/);
  });

  it("refuses RSI bounds that cross", () => {
    expect(() => loadAnalyticsConfig({ ANALYTICS_RSI_OVERSOLD: "70", ANALYTICS_RSI_OVERBOUGHT: "60" })).toThrow(ConfigError);
  });
});
