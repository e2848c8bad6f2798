import { describe, expect, it } from "vitest";
import { ConfigError } from "@tickstock/common/config.ts";
import { loadImportConfig } from "./config.ts";

describe("loadImportConfig", () => {
  it("serves gRPC on 50052 and metrics on 9101, and publishes system_metrics every 30 s by default", () => {
    expect(loadImportConfig({})).toMatchObject({ IMPORT_PORT: 50052, IMPORT_METRICS_PORT: 9101, SYSTEM_METRICS_INTERVAL_MS: 30_000 });
  });

  it("turns the metrics endpoint and the events off with 0", () => {
    expect(loadImportConfig({ IMPORT_METRICS_PORT: "0", SYSTEM_METRICS_INTERVAL_MS: "0" })).toMatchObject({ IMPORT_METRICS_PORT: 0, SYSTEM_METRICS_INTERVAL_MS: 0 });
  });

  it("rejects a bad metrics port with one line naming it", () => {
    for (const bad of ["70000", "-1", "91o1", "9101.5"]) {
      expect(() => loadImportConfig({ IMPORT_METRICS_PORT: bad })).toThrow(ConfigError);
      expect(() => loadImportConfig({ IMPORT_METRICS_PORT: bad })).toThrow(/^invalid configuration: IMPORT_METRICS_PORT: /);
    }
  });

  it("requires the Massive key when Massive is the provider", () => {
    expect(() => loadImportConfig({ IMPORT_PROVIDER: "massive" })).toThrow(/MASSIVE_API_KEY: required when IMPORT_PROVIDER=massive/);
  });
});
