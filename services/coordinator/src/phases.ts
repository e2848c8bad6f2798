import { toJson, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { AnalyticsService, IndicatorsResultSchema, PatternsResultSchema, type IndicatorsResult, type PatternsResult } from "@tickstock/gen/tickstock/analytics/v1/analytics_pb.js";
import { CacheSyncService, SyncPhaseResultSchema, type SyncPhaseResult } from "@tickstock/gen/tickstock/cachesync/v1/cache_sync_pb.js";
import { ImportResultSchema, ImportService, type ImportResult } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import type { PhaseName, PhaseResult } from "./run-plan.ts";

/**
 * The four phases as the runner sees them: a call that streams progress and ends with one
 * result. Each driver wraps one streaming RPC of a phase service's generated client, so tests
 * and production both go through real gRPC.
 */

export interface PhaseCall {
  runId: string;
  runDate: string;
  /** The run's universes, as named in events. */
  universe: string;
  /** The universe's members (analytics phases only). */
  symbols: readonly string[];
}

export type PhaseUpdate =
  | { kind: "progress"; percentComplete: number }
  /** `failure` set: the service answered, but the phase did not succeed. */
  | { kind: "result"; result: PhaseResult; failure?: string };

export interface PhaseDriver {
  /** The service that runs the phase, as named in `error` events. */
  readonly component: "import" | "cache_sync" | "analytics";
  /** The service's full gRPC name, for error contexts. */
  readonly service: string;
  /** True when the phase needs the run's universe resolved to symbols. */
  readonly needsSymbols: boolean;
  run(call: PhaseCall, opts: { signal: AbortSignal; timeoutMs: number }): AsyncIterable<PhaseUpdate>;
}

export type PhaseDrivers = Record<PhaseName, PhaseDriver>;

export interface PhaseClients {
  import: Client<typeof ImportService>;
  cacheSync: Client<typeof CacheSyncService>;
  analytics: Client<typeof AnalyticsService>;
}

function resultJson<S extends DescMessage>(schema: S, message: MessageShape<S>): PhaseResult {
  return toJson(schema, message, { useProtoFieldName: true, alwaysEmitImplicit: true }) as PhaseResult;
}

type Streamed<R> = { event: { case: "progress"; value: { percentComplete: number } } | { case: "result"; value: R } | { case: undefined; value?: undefined } };

/** Maps a phase RPC's oneof stream to PhaseUpdates. */
async function* updates<R>(stream: AsyncIterable<Streamed<R>>, onResult: (r: R) => PhaseUpdate): AsyncGenerator<PhaseUpdate> {
  for await (const msg of stream) {
    if (msg.event.case === "progress") yield { kind: "progress", percentComplete: msg.event.value.percentComplete };
    else if (msg.event.case === "result") yield onResult(msg.event.value);
  }
}

export function createPhaseDrivers(clients: PhaseClients): PhaseDrivers {
  return {
    import: {
      component: "import",
      service: ImportService.typeName,
      needsSymbols: false,
      run: (call, opts) =>
        updates<ImportResult>(clients.import.runImport({ runId: call.runId, fromDate: call.runDate, toDate: call.runDate }, opts), (r) => ({
          kind: "result",
          result: resultJson(ImportResultSchema, r),
        })),
    },
    cache_sync: {
      component: "cache_sync",
      service: CacheSyncService.typeName,
      needsSymbols: false,
      run: (call, opts) =>
        updates<SyncPhaseResult>(clients.cacheSync.runSyncPhase({ runId: call.runId, mode: "full", runDate: call.runDate }, opts), (r) => ({
          kind: "result",
          result: resultJson(SyncPhaseResultSchema, r),
          failure: r.status === "completed" ? undefined : r.errorDetails || `cache sync job ${r.jobId} ended ${r.status || "without a status"}`,
        })),
    },
    indicators: {
      component: "analytics",
      service: AnalyticsService.typeName,
      needsSymbols: true,
      run: (call, opts) =>
        updates<IndicatorsResult>(clients.analytics.runIndicators({ runId: call.runId, runDate: call.runDate, universe: call.universe, symbols: [...call.symbols] }, opts), (r) => ({
          kind: "result",
          result: resultJson(IndicatorsResultSchema, r),
        })),
    },
    patterns: {
      component: "analytics",
      service: AnalyticsService.typeName,
      needsSymbols: true,
      run: (call, opts) =>
        updates<PatternsResult>(clients.analytics.runPatterns({ runId: call.runId, runDate: call.runDate, universe: call.universe, symbols: [...call.symbols] }, opts), (r) => ({
          kind: "result",
          result: resultJson(PatternsResultSchema, r),
        })),
    },
  };
}
