import { defineConfig } from "vitest/config";

// Two projects: pure unit tests beside the domain code (no I/O, no setup), and
// integration/end-to-end tests that get real PostgreSQL and Redis from the
// global setup.
export default defineConfig({
  test: {
    reporters: ["default", "./test/support/summary-reporter.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["packages/*/src/**/*.test.ts", "services/*/src/**/*.test.ts", "gateway/src/**/*.test.ts"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["packages/*/test/**/*.test.ts", "services/*/test/**/*.test.ts", "gateway/test/**/*.test.ts", "test/e2e/**/*.test.ts"],
          globalSetup: ["./test/support/global-setup.ts"],
          // Inherited by the service processes the end-to-end tests spawn: several run at once (and
          // replicas of one service), so none takes a fixed metrics port, and no system_metrics
          // event lands among the events a test checks (tests that want them pass their own).
          env: {
            IMPORT_METRICS_PORT: "0",
            CACHE_SYNC_METRICS_PORT: "0",
            ANALYTICS_METRICS_PORT: "0",
            COORDINATOR_METRICS_PORT: "0",
            SYSTEM_METRICS_INTERVAL_MS: "0",
          },
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
