/**
 * TEST STAND-INS for the phase services (import, cache-sync, analytics): three small, real
 * grpc-js servers implementing only the RPCs the coordinator calls, deterministic and fast,
 * publishing the phase events of CONTRACT §3 as the real services do (flushed before the
 * result, so the run's events arrive in order). They stand in for the real services until the
 * end-to-end tests switch to those.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { createEventPublisher, createRedis, type EventPublisher } from "@tickstock/common/events.ts";
import { createLogger } from "@tickstock/common/log.ts";
import { createGrpcServer, register, type GrpcServer } from "@tickstock/common/serve.ts";
import { AnalyticsService } from "@tickstock/gen/tickstock/analytics/v1/analytics_pb.js";
import { CacheSyncService } from "@tickstock/gen/tickstock/cachesync/v1/cache_sync_pb.js";
import { ImportService } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import type { PhaseName } from "../src/run-plan.ts";

export interface StandInSymbol {
  symbol: string;
  sp500: boolean;
  nasdaq100: boolean;
}

export interface StandInOptions {
  redisUrl: string;
  symbols?: StandInSymbol[];
  /** Universes of "cache_entries". */
  universes?: Record<string, string[]>;
  progressSteps?: number;
  stepDelayMs?: number;
}

export interface PhaseCallRecord {
  phase: PhaseName;
  runId: string;
  runDate: string;
  symbols: string[];
  /** The call's signal was aborted (the coordinator cancelled it). */
  cancelled: boolean;
  completed: boolean;
}

export interface PhaseStandIns {
  addresses: { import: string; cacheSync: string; analytics: string };
  calls: PhaseCallRecord[];
  /** Answer the next `times` calls of `phase` with `code`. */
  failNext(phase: PhaseName, code: Code, times: number): void;
  /** Calls of `phase` never finish (they keep reporting progress) until cancelled. */
  hang(phase: PhaseName | null): void;
  /** No failures, no hanging phase. */
  reset(): void;
  /** Stops one service's server: its calls then fail UNAVAILABLE. */
  stopService(name: "import" | "cacheSync" | "analytics"): Promise<void>;
  stop(): Promise<void>;
}

export const DEFAULT_SYMBOLS: StandInSymbol[] = [
  { symbol: "AAPL", sp500: true, nasdaq100: true },
  { symbol: "MSFT", sp500: true, nasdaq100: true },
  { symbol: "JPM", sp500: true, nasdaq100: false },
  { symbol: "XOM", sp500: true, nasdaq100: false },
  { symbol: "PDD", sp500: false, nasdaq100: true },
  { symbol: "SMCI", sp500: false, nasdaq100: false },
];

export const INDICATORS_PER_SYMBOL = 15;
export const PATTERNS_PER_SYMBOL = 2;

export async function startPhaseStandIns(opts: StandInOptions): Promise<PhaseStandIns> {
  const log = createLogger({ service: "phase-stand-ins", level: "silent" });
  const redis = createRedis(opts.redisUrl, log, "phase-stand-ins");
  const publisher: EventPublisher = createEventPublisher({ redis, source: "phase_stand_in", streamMaxLen: 10_000, log });
  const symbols = opts.symbols ?? DEFAULT_SYMBOLS;
  const universes = opts.universes ?? { mega_cap: ["AAPL", "MSFT"], dividend_aristocrats: ["XOM", "JPM"] };
  const steps = opts.progressSteps ?? 2;
  const stepDelayMs = opts.stepDelayMs ?? 5;
  const calls: PhaseCallRecord[] = [];
  const failures = new Map<PhaseName, { code: Code; times: number }>();
  let hanging: PhaseName | null = null;

  function begin(phase: PhaseName, runId: string, runDate: string, syms: string[], signal: AbortSignal): PhaseCallRecord {
    const call: PhaseCallRecord = { phase, runId, runDate, symbols: syms, cancelled: false, completed: false };
    calls.push(call);
    signal.addEventListener("abort", () => (call.cancelled = true), { once: true });
    const failure = failures.get(phase);
    if (failure && failure.times > 0) {
      failure.times--;
      throw new ConnectError(`stand-in ${phase} answers ${Code[failure.code]}`, failure.code);
    }
    return call;
  }

  /** One batch; a hanging phase keeps batching until the call is cancelled. */
  async function* batches(phase: PhaseName, signal: AbortSignal): AsyncGenerator<number> {
    for (let i = 1; i <= steps || hanging === phase; i++) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, stepDelayMs);
        signal.addEventListener("abort", () => (clearTimeout(t), reject(new ConnectError("cancelled", Code.Canceled))), { once: true });
      });
      yield Math.min(99, Math.round((100 * i) / (steps + 1)));
    }
  }

  const importServer = createGrpcServer({
    log,
    services: [
      register(ImportService, {
        async *runImport(req, ctx) {
          const call = begin("import", req.runId, req.fromDate, [], ctx.signal);
          const total = symbols.length;
          publisher.publish("import_started", { run_id: req.runId, run_date: req.fromDate, total_symbols: total });
          for await (const pct of batches("import", ctx.signal)) {
            const done = Math.floor((total * pct) / 100);
            publisher.publish("import_progress", { run_id: req.runId, completed_symbols: done, total_symbols: total, percent_complete: pct, current_symbol: symbols[done]?.symbol ?? "", eta_seconds: 1 });
            yield { event: { case: "progress", value: { completedSymbols: done, totalSymbols: total, percentComplete: pct, currentSymbol: "", etaSeconds: 1 } } };
          }
          publisher.publish("import_completed", { run_id: req.runId, successful_symbols: total, failed_symbols: 0, bars_written: total, duration_seconds: 0.1 });
          await publisher.flush();
          call.completed = true;
          yield { event: { case: "result", value: { successfulSymbols: total, failedSymbols: 0, barsWritten: total, barsReceived: total, symbolsWritten: total, tradingDays: 1, durationSeconds: 0.1 } } };
        },
        async *listSymbols(req) {
          const index = req.index || "all";
          const members = symbols.filter((s) => index === "all" || (index === "sp500" ? s.sp500 : s.nasdaq100)).map((s) => s.symbol);
          yield { symbol: members };
        },
      }),
    ],
  });

  const cacheSyncServer = createGrpcServer({
    log,
    services: [
      register(CacheSyncService, {
        async *runSyncPhase(req, ctx) {
          const call = begin("cache_sync", req.runId, req.runDate, [], ctx.signal);
          const jobId = `job-${calls.length}`;
          publisher.publish("cache_sync_started", { run_id: req.runId, job_id: jobId, mode: req.mode });
          for await (const pct of batches("cache_sync", ctx.signal)) {
            yield { event: { case: "progress", value: { currentTask: "market_cap_recalculation", completed: 1, total: 5, percentComplete: pct } } };
          }
          const updated = Object.keys(universes);
          publisher.publish("cache_sync_phase_completed", { run_id: req.runId, job_id: jobId, status: "completed", total_changes: 3, universes_updated: updated, duration_seconds: 0.1 });
          await publisher.flush();
          call.completed = true;
          yield { event: { case: "result", value: { jobId, status: "completed", totalChanges: 3, universesUpdated: updated, durationSeconds: 0.1 } } };
        },
        async listUniverses() {
          return { universes: Object.entries(universes).map(([universe, members]) => ({ universe, type: "theme", symbolCount: members.length })) };
        },
        async getUniverse(req) {
          const members = universes[req.universe];
          if (!members) throw new ConnectError(`universe ${req.universe} not found`, Code.NotFound);
          return { universe: req.universe, type: "theme", symbols: members };
        },
      }),
    ],
  });

  const analyticsServer = createGrpcServer({
    log,
    services: [
      register(AnalyticsService, {
        async *runIndicators(req, ctx) {
          const call = begin("indicators", req.runId, req.runDate, req.symbols, ctx.signal);
          const total = req.symbols.length;
          publisher.publish("indicator_processing_started", { run_id: req.runId, total_symbols: total });
          for await (const pct of batches("indicators", ctx.signal)) {
            const done = Math.floor((total * pct) / 100);
            publisher.publish("indicator_progress", { run_id: req.runId, completed_symbols: done, total_symbols: total, percent_complete: pct, eta_seconds: 1 });
            yield { event: { case: "progress", value: { completedSymbols: done, totalSymbols: total, percentComplete: pct, etaSeconds: 1 } } };
          }
          const calculated = total * INDICATORS_PER_SYMBOL;
          publisher.publish("indicator_processing_completed", { run_id: req.runId, total_symbols: total, indicators_calculated: calculated, duration_seconds: 0.1 });
          await publisher.flush();
          call.completed = true;
          yield { event: { case: "result", value: { totalSymbols: total, successfulSymbols: total, indicatorsCalculated: calculated, durationSeconds: 0.1 } } };
        },
        async *runPatterns(req, ctx) {
          const call = begin("patterns", req.runId, req.runDate, req.symbols, ctx.signal);
          const total = req.symbols.length;
          publisher.publish("pattern_processing_started", { run_id: req.runId, total_symbols: total });
          for await (const pct of batches("patterns", ctx.signal)) {
            const done = Math.floor((total * pct) / 100);
            publisher.publish("pattern_progress", { run_id: req.runId, completed_symbols: done, total_symbols: total, percent_complete: pct, eta_seconds: 1 });
            yield { event: { case: "progress", value: { completedSymbols: done, totalSymbols: total, percentComplete: pct, etaSeconds: 1 } } };
          }
          const detected = total * PATTERNS_PER_SYMBOL;
          publisher.publish("pattern_processing_completed", { run_id: req.runId, total_symbols: total, patterns_detected: detected, success_rate: 100, duration_seconds: 0.1 });
          await publisher.flush();
          call.completed = true;
          yield { event: { case: "result", value: { totalSymbols: total, successfulSymbols: total, patternsDetected: detected, successRate: 100, durationSeconds: 0.1 } } };
        },
      }),
    ],
  });

  const servers: Record<"import" | "cacheSync" | "analytics", GrpcServer> = { import: importServer, cacheSync: cacheSyncServer, analytics: analyticsServer };
  const ports = {
    import: await importServer.listen("127.0.0.1", 0),
    cacheSync: await cacheSyncServer.listen("127.0.0.1", 0),
    analytics: await analyticsServer.listen("127.0.0.1", 0),
  };
  const stopped = new Set<string>();

  return {
    addresses: { import: `127.0.0.1:${ports.import}`, cacheSync: `127.0.0.1:${ports.cacheSync}`, analytics: `127.0.0.1:${ports.analytics}` },
    calls,
    failNext: (phase, code, times) => void failures.set(phase, { code, times }),
    hang: (phase) => void (hanging = phase),
    reset() {
      failures.clear();
      hanging = null;
    },
    async stopService(name) {
      stopped.add(name);
      servers[name].server.forceShutdown();
    },
    async stop() {
      for (const [name, s] of Object.entries(servers)) if (!stopped.has(name)) await s.shutdown(100);
      await publisher.close();
      redis.disconnect();
    },
  };
}
