// Phase 3 (indicators) and Phase 4 (patterns) for a run date. The universe goes to the worker
// threads in batches of symbols; a worker reads a batch's bars from the import service (all
// their stored history up to the run date: EMA, RSI, ATR, ADX and MACD depend on every bar
// before) and computes it; the main thread writes each batch's results (delete + COPY, one
// transaction per batch) while the next batches are read and computed. Events after each commit; progress a few times a second at most; a
// cancelled call stops at the next batch and keeps what it committed.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { Code, ConnectError } from "@connectrpc/connect";
import { withTransaction } from "@tickstock/common/db.ts";
import { failedPrecondition } from "@tickstock/common/errors.ts";
import type { EventPublisher } from "@tickstock/common/events.ts";
import type { Logger } from "@tickstock/common/log.ts";
import { nextBatchSize, type PhaseKind } from "./batch.ts";
import { currentBarsVersion, symbolsOnDate, type ImportClient } from "./bars.ts";
import type { PatternConfig } from "./compute.ts";
import { createPhaseEvents, type PhaseCounts } from "./phase-events.ts";
import { successRate, type PhaseProgressView } from "./progress.ts";
import { writeBatch, type BatchOutput } from "./phase-output.ts";
import * as store from "./store.ts";
import type { CachedBatch, PatternCache } from "./pattern-cache.ts";
import type { WorkerPool } from "./worker-pool.ts";

export interface PhaseDeps {
  pool: pg.Pool;
  publisher: EventPublisher;
  log: Logger;
  /** This process's owner id (ownership.ts), recorded on each phase run. */
  owner?: string;
  /** The import service, the only source of bars (the workers read the series themselves). */
  importClient: ImportClient;
  /** Reads (from the import service) and computes batches. */
  workers: Pick<WorkerPool, "capacity" | "run">;
  patternConfig: PatternConfig;
  /** Most symbols per ListBars call, worker task and write transaction (<= 5000). */
  batchSymbols: number;
  /** Bars a batch should hold (default 150,000): fewer symbols per batch for longer histories. */
  batchBars?: number;
  /** Minimum milliseconds between progress events (default 250). */
  progressIntervalMs?: number;
  /** Skipped symbols reported one by one on tickstock:errors (default 25); then one summary. */
  maxSkipWarnings?: number;
  /** Patterns kept from an indicators phase for the patterns phase of its date (pattern-cache.ts). */
  patternCache?: PatternCache;
}

/** A validated phase request. */
export interface PhaseRequest {
  runId: string;
  /** YYYY-MM-DD. */
  runDate: string;
  universe: string;
  /** Distinct, sorted; empty: every symbol with a bar on the run date. */
  symbols: string[];
}

export type PhaseSummary = PhaseCounts;

export const DEFAULT_BATCH_BARS = 150_000;

export type PhaseUpdate = { case: "progress"; value: PhaseProgressView } | { case: "result"; value: PhaseSummary };

/** Phase 3: every indicator for each symbol's run-date bar. */
export async function* runIndicatorsPhase(deps: PhaseDeps, req: PhaseRequest, signal: AbortSignal) {
  for await (const u of runPhase(deps, "indicators", req, signal)) {
    if (u.case === "progress") yield u;
    else {
      const { results, ...rest } = u.value;
      yield { case: "result" as const, value: { ...rest, indicatorsCalculated: results } };
    }
  }
}

/** Phase 4: the candlestick and signal patterns on each symbol's run-date bar. */
export async function* runPatternsPhase(deps: PhaseDeps, req: PhaseRequest, signal: AbortSignal) {
  for await (const u of runPhase(deps, "patterns", req, signal)) {
    if (u.case === "progress") yield u;
    else {
      const { results, ...rest } = u.value;
      yield { case: "result" as const, value: { ...rest, patternsDetected: results, successRate: successRate(rest.successfulSymbols, rest.totalSymbols) } };
    }
  }
}

async function* runPhase(deps: PhaseDeps, kind: PhaseKind, req: PhaseRequest, signal: AbortSignal): AsyncGenerator<PhaseUpdate> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const log = deps.log.child({ run_id: req.runId, phase: kind, run_date: req.runDate });
  const universe = req.symbols.length > 0 ? req.symbols : await symbolsOnDate(deps.importClient, req.runDate, signal);
  if (universe.length === 0) throw failedPrecondition(`no bars on ${req.runDate}: import that date first`, { run_date: req.runDate });
  const total = universe.length;
  // Read before any bar: a write of the bars after this point changes it (pattern-cache.ts).
  const barsVersion = deps.patternCache ? await currentBarsVersion(deps.importClient, signal) : null;
  const recorder = kind === "indicators" && barsVersion !== null ? deps.patternCache!.record(req.runDate, barsVersion, deps.patternConfig) : null;
  const cached = kind === "patterns" && barsVersion !== null ? deps.patternCache!.lookup(req.runDate, barsVersion, deps.patternConfig, universe) : null;
  const phaseRunId = randomUUID();
  await store.startPhaseRun(deps.pool, { phaseRunId, runId: req.runId, phase: kind, runDate: req.runDate, universe: req.universe, totalSymbols: total, owner: deps.owner ?? null });
  const events = createPhaseEvents(deps.publisher, kind, req, total, deps);
  events.started();
  log.info({ total_symbols: total, from_indicators_phase: cached !== null }, "phase started");

  const tally = { completed: 0, successfulSymbols: 0, skippedSymbols: 0, results: 0 };
  // A caller that goes away closes this generator at a yield: only `finally` runs then.
  let end: Pick<store.PhaseRunEnd, "status" | "error"> = { status: "cancelled", error: "cancelled by the caller" };
  try {
    for await (const batch of computedBatches(deps, { kind, alsoPatterns: recorder !== null, cached }, req.runDate, universe, signal)) {
      if (signal.aborted) throw new ConnectError(`${kind} phase cancelled`, Code.Canceled);
      recorder?.add(batch.symbols, batch.result);
      const written = await withTransaction(deps.pool, (client) => writeBatch(client, req, batch));
      written.publish(deps.publisher); // after the commit
      for (const s of batch.result.skipped) events.skipped(batch.symbols[s.index], s);
      tally.completed += batch.symbols.length;
      tally.skippedSymbols += batch.result.skipped.length;
      tally.successfulSymbols += batch.symbols.length - batch.result.skipped.length;
      tally.results += written.results;
      const progress = events.progress(tally.completed, elapsed());
      if (progress) yield { case: "progress", value: progress };
    }
    if (req.symbols.length === 0) await store.deleteRowsOutside(deps.pool, kind, req.runDate, universe);
    recorder?.commit();
    const last = events.progress(tally.completed, elapsed(), true); // at least one, and 100%
    if (last) yield { case: "progress", value: last };

    const summary: PhaseSummary = { totalSymbols: total, successfulSymbols: tally.successfulSymbols, skippedSymbols: tally.skippedSymbols, results: tally.results, durationSeconds: elapsed() };
    events.completed(summary);
    log.info({ ...summary }, "phase completed");
    end = { status: "completed" };
    // The caller (the coordinator) publishes its next event on our result: ours go out first.
    await deps.publisher.flush(5_000);
    yield { case: "result", value: summary };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    end = { status: signal.aborted ? "cancelled" : "failed", error: message };
    if (signal.aborted) throw new ConnectError(`${kind} phase cancelled`, Code.Canceled);
    log.error({ err }, "phase failed");
    events.failed(message);
    throw err;
  } finally {
    if (end.status !== "completed") log.warn({ ...end, ...tally }, "phase ended early");
    await store
      .finishPhaseRun(deps.pool, phaseRunId, { ...end, successfulSymbols: tally.successfulSymbols, skippedSymbols: tally.skippedSymbols, results: tally.results })
      .catch((e: unknown) => log.error({ err: e }, "could not record the phase's end"));
  }
}

/**
 * Batches of `universe` read and computed by the workers, yielded in order. Up to the pool's
 * capacity (+1) batches are under way ahead of the one being written, so reading, computing and
 * writing overlap. Ending early (cancel, failure) stops the reads still under way.
 */
async function* computedBatches(
  deps: PhaseDeps,
  how: { kind: PhaseKind; alsoPatterns: boolean; cached: CachedBatch | null },
  runDate: string,
  universe: readonly string[],
  signal: AbortSignal,
): AsyncGenerator<BatchOutput> {
  const { kind, alsoPatterns, cached } = how;
  const local = new AbortController();
  const onAbort = () => local.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  const sizing = { maxSymbols: deps.batchSymbols, targetBars: deps.batchBars ?? DEFAULT_BATCH_BARS };
  const seen = { symbols: 0, bars: 0 };
  const depth = deps.workers.capacity + 1;
  const pending: Promise<BatchOutput>[] = [];
  let next = 0;
  const startNext = () => {
    const symbols = universe.slice(next, next + nextBatchSize(sizing, seen));
    next += symbols.length;
    const computed = cached ? Promise.resolve(cached(symbols)) : deps.workers.run({ kind, alsoPatterns, runDate, symbols, patternConfig: deps.patternConfig }, local.signal);
    const p = computed.then((result) => {
      seen.symbols += symbols.length;
      seen.bars += result.bars;
      return { symbols, result };
    });
    p.catch(() => undefined); // surfaced when awaited
    pending.push(p);
  };
  try {
    while (next < universe.length && pending.length < depth) startNext();
    while (pending.length > 0) {
      const done = await pending.shift()!;
      if (next < universe.length && !signal.aborted) startNext();
      yield done;
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    local.abort();
  }
}
