import { describe, expect, it } from "vitest";
import { ConfigError } from "@tickstock/common/config.ts";
import { initialSchedule, loadCoordinatorConfig, runSettings } from "./config.ts";

function problems(env: NodeJS.ProcessEnv): string {
  try {
    loadCoordinatorConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  return "";
}

describe("coordinator configuration", () => {
  it("defaults to the contract's port, schedule and universes", () => {
    const cfg = loadCoordinatorConfig({});
    expect(cfg).toMatchObject({
      COORDINATOR_PORT: 50051,
      COORDINATOR_CATCH_UP: true,
      COORDINATOR_DEFAULT_UNIVERSE: "sp500",
      MARKET_SPECIAL_CLOSURES: ["2025-01-09"],
      IMPORT_ADDR: "127.0.0.1:50052",
      CACHE_SYNC_ADDR: "127.0.0.1:50053",
      ANALYTICS_ADDR: "127.0.0.1:50054",
    });
    expect(initialSchedule(cfg)).toEqual({ enabled: true, triggerTime: "16:10", timezone: "America/New_York", universes: ["sp500", "nasdaq100"] });
  });

  it("serves metrics on 9104 and publishes system_metrics every 30 s by default; 0 turns either off", () => {
    expect(loadCoordinatorConfig({})).toMatchObject({ COORDINATOR_METRICS_PORT: 9104, SYSTEM_METRICS_INTERVAL_MS: 30_000 });
    expect(loadCoordinatorConfig({ COORDINATOR_METRICS_PORT: "0", SYSTEM_METRICS_INTERVAL_MS: "0" })).toMatchObject({ COORDINATOR_METRICS_PORT: 0, SYSTEM_METRICS_INTERVAL_MS: 0 });
    expect(problems({ COORDINATOR_METRICS_PORT: "9104.5", SYSTEM_METRICS_INTERVAL_MS: "10" })).toMatch(/COORDINATOR_METRICS_PORT.*SYSTEM_METRICS_INTERVAL_MS|SYSTEM_METRICS_INTERVAL_MS.*COORDINATOR_METRICS_PORT/);
  });

  it("derives the run settings: a dead owner is one that missed its heartbeats", () => {
    const cfg = loadCoordinatorConfig({ COORDINATOR_HEARTBEAT_MS: "2000", COORDINATOR_HEARTBEAT_MISSES: "4", COORDINATOR_PHASE_RETRIES: "5" });
    const settings = runSettings(cfg);
    expect(settings.staleAfterMs).toBe(8000);
    expect(settings.policy).toMatchObject({ retries: 5, backoffMs: 1000, backoffMaxMs: 30_000 });
    expect(settings.policy.deadlinesMs).toEqual({ import: 3_600_000, cache_sync: 1_800_000, indicators: 3_600_000, patterns: 3_600_000 });
  });

  it("reads lists, flags and an empty string as unset", () => {
    const cfg = loadCoordinatorConfig({
      COORDINATOR_SCHEDULE_UNIVERSES: "mega_cap, sp500,,",
      COORDINATOR_CATCH_UP: "false",
      MARKET_SPECIAL_CLOSURES: "",
      COORDINATOR_SCHEDULE_TIMEZONE: "europe/london",
    });
    expect(initialSchedule(cfg)).toMatchObject({ universes: ["mega_cap", "sp500"], timezone: "Europe/London" });
    expect(cfg.COORDINATOR_CATCH_UP).toBe(false);
    expect(cfg.MARKET_SPECIAL_CLOSURES).toEqual(["2025-01-09"]);
  });

  it("reports every bad variable at once", () => {
    const message = problems({
      COORDINATOR_SCHEDULE_TIME: "4pm",
      COORDINATOR_SCHEDULE_TIMEZONE: "Mars/Olympus",
      COORDINATOR_PORT: "70000",
      MARKET_SPECIAL_CLOSURES: "2025-13-01",
      COORDINATOR_CATCH_UP: "maybe",
      COORDINATOR_DEFAULT_UNIVERSE: "sp 500",
    });
    for (const name of ["COORDINATOR_SCHEDULE_TIME", "COORDINATOR_SCHEDULE_TIMEZONE", "COORDINATOR_PORT", "MARKET_SPECIAL_CLOSURES", "COORDINATOR_CATCH_UP", "COORDINATOR_DEFAULT_UNIVERSE"]) {
      expect(message).toContain(name);
    }
  });

  it("refuses a backoff cap below the base", () => {
    expect(problems({ COORDINATOR_RETRY_BACKOFF_MS: "5000", COORDINATOR_RETRY_BACKOFF_MAX_MS: "1000" })).toContain("COORDINATOR_RETRY_BACKOFF_MAX_MS");
  });
});
