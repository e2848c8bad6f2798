import { randomUUID } from "node:crypto";
import type pg from "pg";
import { Code, ConnectError } from "@connectrpc/connect";
import { withTransaction } from "@tickstock/common/db.ts";
import { failedPrecondition, resourceExhausted, unavailable } from "@tickstock/common/errors.ts";
import type { EventPublisher } from "@tickstock/common/events.ts";
import type { Logger } from "@tickstock/common/log.ts";
import { rowsWritten } from "@tickstock/common/metrics.ts";
import type { ActivityTracker } from "@tickstock/common/system-metrics.ts";
import { tradingDaysBetween, type CalendarOptions } from "@tickstock/common/trading-calendar.ts";
import { ProviderError, type DailyBars, type MarketDataProvider, type Rejection } from "./providers/types.ts";
import { validateDailyBars } from "./validation.ts";
import * as store from "./store.ts";

/**
 * One import: symbol reference data, then the bars of every trading day of
 * the range, written in transactions of about `batchRows` rows. Progress is
 * yielded (and published) a few times a second at most; cancellation stops
 * before the next batch and keeps what was committed.
 */

export interface ImporterDeps {
  pool: pg.Pool;
  publisher: EventPublisher;
  log: Logger;
  calendar: CalendarOptions;
  /** Rows per transaction (default 200,000). */
  batchRows?: number;
  /** Minimum milliseconds between two progress updates (default 250). */
  progressIntervalMs?: number;
  /** Where the running import is recorded (system_metrics' active_run). */
  activity?: ActivityTracker;
}

export interface ImportRequest {
  runId: string;
  from: string;
  to: string;
  provider: MarketDataProvider;
  skipSymbols: boolean;
}

export interface ImportProgressUpdate {
  completedSymbols: number;
  totalSymbols: number;
  percentComplete: number;
  currentSymbol: string;
  etaSeconds: number;
  currentDate: string;
}

export interface ImportResultUpdate {
  successfulSymbols: number;
  failedSymbols: number;
  barsWritten: number;
  barsReceived: number;
  barsRejected: number;
  symbolsWritten: number;
  tradingDays: number;
  durationSeconds: number;
  rejections: string[];
}

export type ImportUpdate = { case: "progress"; value: ImportProgressUpdate } | { case: "result"; value: ImportResultUpdate };

const round1 = (n: number) => Math.round(n * 10) / 10;

export function providerErrorToConnect(err: unknown): unknown {
  if (!(err instanceof ProviderError)) return err;
  const meta = { provider_error: err.kind };
  switch (err.kind) {
    case "auth":
      return failedPrecondition(`market-data provider rejected the credentials: ${err.message}`, meta);
    case "rate_limited":
      return resourceExhausted(`market-data provider rate limit: ${err.message}`, meta);
    case "unavailable":
      return unavailable(`market-data provider unavailable: ${err.message}`, meta);
    default:
      return new ConnectError(`market-data provider: ${err.message}`, Code.Unavailable);
  }
}

export async function* runImport(deps: ImporterDeps, req: ImportRequest, signal: AbortSignal): AsyncGenerator<ImportUpdate> {
  const started = performance.now();
  const runId = req.runId || randomUUID();
  const importId = randomUUID();
  const log = deps.log.child({ run_id: runId, import_id: importId, provider: req.provider.name });
  const lockClient = await deps.pool.connect();
  let locked = false;
  let ended: (() => void) | undefined;
  try {
    locked = await store.tryLockImports(lockClient);
    if (!locked) throw failedPrecondition("another import is running; try again when it ends");
    ended = deps.activity?.begin({ run_id: runId, job_id: null, import_id: importId });
    await store.startImportRecord(deps.pool, { importId, runId, provider: req.provider.name, from: req.from, to: req.to });
    log.info({ from: req.from, to: req.to }, "import started");
    const totals = { barsWritten: 0, barsReceived: 0, barsRejected: 0, symbolsWritten: 0 };
    // A caller that goes away mid-stream closes this generator at a yield:
    // neither the catch nor the end of the try runs then, only `finally`.
    let outcome: { status: "completed" | "failed" | "cancelled"; error?: string } = { status: "cancelled", error: "cancelled by the caller" };
    try {
      yield* importRange(deps, req, runId, totals, started, signal, log);
      outcome = { status: "completed" };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      outcome = { status: signal.aborted ? "cancelled" : "failed", error: message };
      if (!signal.aborted) {
        deps.publisher.publish("error", {
          severity: "error",
          component: "import",
          error_code: err instanceof ProviderError ? `PROVIDER_${err.kind.toUpperCase()}` : "IMPORT_FAILED",
          message,
          context: { run_id: runId, provider: req.provider.name, from_date: req.from, to_date: req.to },
        });
      }
      throw providerErrorToConnect(err);
    } finally {
      if (outcome.status !== "completed") log.warn({ outcome }, "import ended early");
      await store
        .finishImportRecord(deps.pool, importId, { ...outcome, ...totals })
        .catch((e) => log.error({ err: e }, "could not record the import's end"));
    }
  } finally {
    ended?.();
    if (locked) await store.unlockImports(lockClient).catch(() => undefined);
    lockClient.release();
  }
}

async function* importRange(
  deps: ImporterDeps,
  req: ImportRequest,
  runId: string,
  totals: { barsWritten: number; barsReceived: number; barsRejected: number; symbolsWritten: number },
  started: number,
  signal: AbortSignal,
  log: Logger,
): AsyncGenerator<ImportUpdate> {
  const dates = tradingDaysBetween(req.from, req.to, deps.calendar);
  let totalSymbols = 0;
  if (!req.skipSymbols) {
    const symbols = await req.provider.listSymbols(req.to, signal);
    totals.symbolsWritten = await withTransaction(deps.pool, (c) => store.upsertSymbols(c, symbols));
    rowsWritten.labels("symbols").inc(totals.symbolsWritten);
    totalSymbols = symbols.length;
  }
  deps.publisher.publish("import_started", { run_id: runId, run_date: req.to, total_symbols: totalSymbols, from_date: req.from, provider: req.provider.name });

  const batchRows = deps.batchRows ?? 200_000;
  const interval = deps.progressIntervalMs ?? 250;
  const okSymbols = new Set<string>();
  const badSymbols = new Set<string>();
  const rejections: Rejection[] = [];
  let lastProgress = 0;
  let done = 0;

  const progressAt = (currentSymbol: string, currentDate: string): ImportProgressUpdate => {
    const fraction = dates.length === 0 ? 1 : done / dates.length;
    const total = Math.max(totalSymbols, okSymbols.size);
    const elapsed = (performance.now() - started) / 1000;
    return {
      completedSymbols: Math.round(total * fraction),
      totalSymbols: total,
      percentComplete: round1(fraction * 100),
      currentSymbol,
      etaSeconds: fraction > 0 ? round1((elapsed / fraction) * (1 - fraction)) : 0,
      currentDate,
    };
  };

  let index = 0;
  // Fetch the next batch while the current one is written.
  const fetchBatch = async (): Promise<DailyBars[]> => {
    const batch: DailyBars[] = [];
    let rows = 0;
    while (index < dates.length && (batch.length === 0 || rows < batchRows)) {
      const raw = await req.provider.dailyBars(dates[index++]!, signal);
      const { valid, rejected } = validateDailyBars(raw);
      for (const r of raw.rejected) rejections.push(r);
      for (const r of rejected) rejections.push(r);
      batch.push(valid);
      rows += valid.symbols.length;
    }
    return batch;
  };

  let next = index < dates.length ? fetchBatch() : null;
  while (next) {
    const batch = await next;
    if (signal.aborted) throw new ConnectError("import cancelled", Code.Canceled);
    next = index < dates.length ? fetchBatch() : null;
    next?.catch(() => undefined); // surfaced when awaited
    const written = await withTransaction(deps.pool, (c) => store.writeBars(c, batch));
    totals.barsWritten += written.written;
    rowsWritten.labels("ohlcv_daily").inc(written.written);
    let lastSymbol = "";
    for (const b of batch) {
      totals.barsReceived += b.symbols.length;
      for (const s of b.symbols) okSymbols.add(s);
      if (b.symbols.length > 0) lastSymbol = b.symbols[b.symbols.length - 1]!;
    }
    done += batch.length;
    const now = performance.now();
    if (now - lastProgress >= interval || done === dates.length) {
      lastProgress = now;
      const progress = progressAt(lastSymbol, batch[batch.length - 1]!.date);
      deps.publisher.publish("import_progress", {
        run_id: runId,
        completed_symbols: progress.completedSymbols,
        total_symbols: progress.totalSymbols,
        percent_complete: progress.percentComplete,
        current_symbol: progress.currentSymbol,
        eta_seconds: progress.etaSeconds,
        current_date: progress.currentDate,
      });
      yield { case: "progress", value: progress };
    }
  }
  if (dates.length === 0) {
    const progress = progressAt("", req.to);
    deps.publisher.publish("import_progress", { run_id: runId, completed_symbols: 0, total_symbols: progress.totalSymbols, percent_complete: 100, current_symbol: "", eta_seconds: 0 });
    yield { case: "progress", value: { ...progress, percentComplete: 100 } };
  }

  for (const r of rejections) badSymbols.add(r.symbol);
  totals.barsRejected = rejections.length;
  if (rejections.length > 0) {
    log.warn({ rejected: rejections.length, first: rejections.slice(0, 5) }, "rows rejected");
    deps.publisher.publish("error", {
      severity: "warning",
      component: "import",
      error_code: "BARS_REJECTED",
      message: `${rejections.length} rows rejected by validation (first: ${describe(rejections[0]!)})`,
      context: { run_id: runId, rejected: rejections.length },
    });
  }
  const durationSeconds = (performance.now() - started) / 1000;
  const result: ImportResultUpdate = {
    successfulSymbols: okSymbols.size,
    failedSymbols: badSymbols.size,
    barsWritten: totals.barsWritten,
    barsReceived: totals.barsReceived,
    barsRejected: totals.barsRejected,
    symbolsWritten: totals.symbolsWritten,
    tradingDays: dates.length,
    durationSeconds,
    rejections: rejections.slice(0, 50).map(describe),
  };
  deps.publisher.publish("import_completed", {
    run_id: runId,
    successful_symbols: result.successfulSymbols,
    failed_symbols: result.failedSymbols,
    bars_written: result.barsWritten,
    duration_seconds: Math.round(durationSeconds * 1000) / 1000,
    bars_rejected: result.barsRejected,
    trading_days: result.tradingDays,
  });
  log.info({ bars_written: result.barsWritten, bars_received: result.barsReceived, rejected: result.barsRejected, seconds: durationSeconds }, "import completed");
  // The caller (the coordinator) publishes its next event on our result: ours go out first.
  await deps.publisher.flush(5_000);
  yield { case: "result", value: result };
}

function describe(r: Rejection): string {
  return `${r.source}: ${r.symbol || "?"} ${r.date}: ${r.reason}`;
}
