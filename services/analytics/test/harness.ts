// Test harness: the real import service over a synthetic market with its bars imported, and the
// analytics service reading them through the import service's gRPC API, each on port 0.
import { DEFAULT_PATTERN_CONFIG } from "../src/compute.ts";
import { createServer } from "../src/server.ts";
import { createWorkerPool, type WorkerPool } from "../src/worker-pool.ts";
import type { AnalyticsServiceDeps } from "../src/service.ts";
import { ImportService, type RunImportResponse } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { createProvider } from "../../import/src/providers/index.ts";
import { createServer as createImportServer } from "../../import/src/server.ts";
import type { TestDatabase } from "../../../test/support/db.ts";
import { createServiceClient, startService, type ServiceHarness } from "../../../test/support/services.ts";

export const CALENDAR = { specialClosures: ["2025-01-09"] };

export async function startImport(db: TestDatabase, market: { seed: number; symbols: number }): Promise<ServiceHarness> {
  return startService(db, "import", (deps) =>
    createImportServer({
      ...deps,
      providers: new Map([["synthetic", createProvider({ provider: "synthetic", ...market, calendar: CALENDAR })]]),
      defaultProvider: "synthetic",
      calendar: CALENDAR,
      maxRangeDays: 1000,
    }),
  );
}

/** Imports the synthetic bars of every trading day from..to. */
export async function importBars(importAddress: string, fromDate: string, toDate: string): Promise<void> {
  const client = createServiceClient(ImportService, importAddress);
  let result: RunImportResponse["event"] | undefined;
  for await (const msg of client.runImport({ fromDate, toDate, provider: "synthetic" })) result = msg.event;
  if (result?.case !== "result") throw new Error("import ended without a result");
}

export interface AnalyticsHarness extends ServiceHarness {
  workers: WorkerPool;
}

export async function startAnalytics(
  db: TestDatabase,
  importAddress: string,
  opts: Partial<Pick<AnalyticsServiceDeps, "batchSymbols" | "progressIntervalMs" | "maxSkipWarnings" | "patternConfig" | "maxRangeDays" | "activity" | "patternCache">> & { workers?: WorkerPool } = {},
): Promise<AnalyticsHarness> {
  const workers = opts.workers ?? createWorkerPool(2, { importAddress });
  const svc = await startService(db, "analytics", (deps) =>
    createServer({
      ...deps,
      importClient: createServiceClient(ImportService, importAddress),
      workers,
      patternConfig: opts.patternConfig ?? DEFAULT_PATTERN_CONFIG,
      batchSymbols: opts.batchSymbols ?? 100,
      progressIntervalMs: opts.progressIntervalMs ?? 0,
      maxSkipWarnings: opts.maxSkipWarnings ?? 25,
      maxRangeDays: opts.maxRangeDays ?? 3660,
      activity: opts.activity,
      patternCache: opts.patternCache,
    }),
  );
  return {
    ...svc,
    workers,
    async stop() {
      await svc.stop();
      await workers.close();
    },
  };
}
