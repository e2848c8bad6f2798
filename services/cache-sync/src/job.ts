import type pg from "pg";
import { ConnectError } from "@connectrpc/connect";
import { withTransaction } from "@tickstock/common/db.ts";
import type { EventName, EventPayload, EventPublisher } from "@tickstock/common/events.ts";
import type { Logger } from "@tickstock/common/log.ts";
import { rowsWritten } from "@tickstock/common/metrics.ts";
import { latestCompletedTradingDay, type CalendarOptions } from "@tickstock/common/trading-calendar.ts";
import type { CacheSyncConfig } from "./config.ts";
import { cacheContent, currentUniverses, MANAGED_TYPES } from "./entries.ts";
import { loadSymbols, newestBarDate, type ImportClient } from "./market-data.ts";
import { jobSteps, LOAD_STEP, progressAt, WRITE_STEP, type JobProgressView } from "./progress.ts";
import * as store from "./store.ts";
import { checkLatestBarDate, checkSymbolList, planSyncSteps, type SymbolRecord, type SyncPlan, type UniverseChange } from "./universes/index.ts";

/**
 * One cache-sync job, from claimed (`running`) to its end: read symbols and bar coverage from
 * the import service, plan the universes task by task (progress between tasks), check the
 * input unless forced, write every change and the job's completion in one transaction, then
 * publish the events. The queue around it (one job at a time, timeouts, cancellation) is in
 * runner.ts; benchmarks call runJob (or syncOnce) directly.
 */

export interface JobDeps {
  pool: pg.Pool;
  importClient: ImportClient;
  /** Publishes the job's events (source `daily_cache_sync_job`). */
  publisher: EventPublisher;
  log: Logger;
  cfg: CacheSyncConfig;
  calendar: CalendarOptions;
  /** The instant that dates a job without a market date (default: the clock). */
  asOf?: () => Date;
  /** Deadline of each import call (default 60 s). */
  importTimeoutMs?: number;
}

export interface JobOutcome {
  /** The job's row after it ended. */
  job: store.JobRow;
  status: "completed" | "failed" | "error";
  totalChanges: number;
  universesUpdated: string[];
  /** cache_entries rows written: 0 when nothing changed. */
  rowsWritten: number;
  eventsPublished: number;
  durationSeconds: number;
  errorDetails: string | null;
  /** Milliseconds spent loading the input, planning, writing (the steps reached). */
  timings: { loadMs?: number; planMs?: number; writeMs?: number };
}

export interface RunJobOptions {
  /** Aborted with a JobStopped: the job stops at its next step, its transaction rolls back. */
  signal?: AbortSignal;
  onProgress?: (progress: JobProgressView) => void;
}

/** Why a job was stopped from outside; `errorCode` null: no error event (an intended cancel). */
export class JobStopped extends Error {
  constructor(
    message: string,
    readonly errorCode: string | null,
  ) {
    super(message);
  }
}

/** The import service could not give the input: the job could not run at all (status `error`). */
class InputUnavailable extends Error {}

interface Ctx {
  deps: JobDeps;
  job: store.JobRow;
  log: Logger;
  signal: AbortSignal;
  marketDate: string;
  publish: <E extends EventName>(event: E, payload: EventPayload<E>) => void;
  events: () => number;
  report: (step: string) => Promise<void>;
  timings: JobOutcome["timings"];
}

export async function runJob(deps: JobDeps, job: store.JobRow, opts: RunJobOptions = {}): Promise<JobOutcome> {
  const ctx = jobContext(deps, job, opts);
  ctx.log.info({ mode: job.mode, force: job.force, market_date: ctx.marketDate }, "cache sync started");
  if (job.run_id) ctx.publish("cache_sync_started", { run_id: job.run_id, job_id: job.job_id, mode: job.mode });
  try {
    return await sync(ctx);
  } catch (err) {
    return await fail(ctx, err);
  }
}

/**
 * Queues nothing and waits for nothing: inserts a job straight as `running` and runs it. For
 * benchmarks and tools; fails with AlreadyExists (the unique index) while another job runs.
 */
export async function syncOnce(deps: JobDeps, request: { mode: store.JobRow["mode"]; force?: boolean }, opts: RunJobOptions = {}): Promise<JobOutcome> {
  const job = await store.insertRunningJob(deps.pool, { jobId: crypto.randomUUID(), mode: request.mode, force: request.force ?? false, triggeredBy: "scheduler", runId: null, marketDate: null });
  return runJob(deps, job, opts);
}

function jobContext(deps: JobDeps, job: store.JobRow, opts: RunJobOptions): Ctx {
  const steps = jobSteps(job.mode);
  const marketDate = job.market_date ?? latestCompletedTradingDay((deps.asOf ?? (() => new Date()))(), deps.calendar);
  let published = 0;
  const ctx: Ctx = {
    deps,
    job,
    marketDate,
    log: deps.log.child({ job_id: job.job_id, ...(job.run_id ? { run_id: job.run_id } : {}) }),
    signal: opts.signal ?? new AbortController().signal,
    publish: (event, payload) => {
      published++;
      deps.publisher.publish(event, payload);
    },
    events: () => published,
    timings: {},
    async report(step) {
      ctx.signal.throwIfAborted();
      const p = progressAt(steps, step);
      await store.updateProgress(deps.pool, job.job_id, { ...p, marketDate });
      opts.onProgress?.(p);
      if (job.run_id) {
        ctx.publish("cache_sync_progress", { run_id: job.run_id, job_id: job.job_id, current_task: p.currentTask, completed: p.completed, total: p.total, percent_complete: p.percentComplete });
      }
    },
  };
  return ctx;
}

async function sync(ctx: Ctx): Promise<JobOutcome> {
  const { deps, job } = ctx;
  let mark = performance.now();
  const lap = () => {
    const now = performance.now();
    const ms = Math.round((now - mark) * 10) / 10;
    mark = now;
    return ms;
  };
  await ctx.report(LOAD_STEP);
  const { symbols, issues } = await loadInput(ctx);
  const stored = currentUniverses(await store.readUniverses(deps.pool, MANAGED_TYPES));
  ctx.timings.loadMs = lap();
  const steps = planSyncSteps({ mode: job.mode, symbols, current: stored, today: ctx.marketDate, cfg: deps.cfg });
  let step = steps.next();
  while (!step.done) {
    await ctx.report(step.value);
    step = steps.next();
  }
  const plan = step.value;
  ctx.timings.planMs = lap();
  if (!job.force) issues.push(...plan.sanityIssues);
  if (issues.length > 0) {
    return end(ctx, { status: "failed", errorDetails: `sanity checks failed (force: true skips them): ${issues.join("; ")}` }, "CACHE_SYNC_SANITY_CHECK_FAILED");
  }
  await ctx.report(WRITE_STEP);
  const { row, changes, skipped } = await write(ctx, plan);
  ctx.timings.writeMs = lap();
  rowsWritten.labels("cache_entries").inc(row.rows_written ?? 0);
  if (skipped.length > 0) {
    const message = `universes not written: a cache_entries row of a type cache-sync does not manage has the name: ${skipped.join(", ")}`;
    ctx.log.warn({ skipped }, message);
    ctx.publish("error", { severity: "warning", component: "cache_sync", error_code: "CACHE_SYNC_NAME_TAKEN", message, context: eventIds(job) });
  }
  publishChanges(ctx, plan, changes);
  return ended(ctx, row);
}

/** Symbols (and, unless forced, the input checks): a failing import call makes the job an `error`. */
async function loadInput(ctx: Ctx): Promise<{ symbols: SymbolRecord[]; issues: string[] }> {
  const { deps, job } = ctx;
  const call = { signal: ctx.signal, timeoutMs: deps.importTimeoutMs ?? 60_000 };
  try {
    const issues = job.force ? [] : checkLatestBarDate(await newestBarDate(deps.importClient, ctx.marketDate, call), ctx.marketDate);
    const symbols = await loadSymbols(deps.importClient, deps.cfg.batchSize, call);
    if (!job.force) issues.push(...checkSymbolList(symbols));
    return { symbols, issues };
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    throw new InputUnavailable(`could not read symbols and bars from the import service: ${ConnectError.from(err).rawMessage}`, { cause: err });
  }
}

/** Every changed universe, its statistics, the delisted history and the job's completion: one transaction. */
async function write(ctx: Ctx, plan: SyncPlan): Promise<{ row: store.JobRow; changes: UniverseChange[]; skipped: string[] }> {
  const { deps, job } = ctx;
  const writtenAt = new Date();
  const changed = plan.universes.filter((u) => u.changed);
  return withTransaction(deps.pool, async (c) => {
    const entries = changed.map((u) => ({ universe: u.name, cacheType: u.type, content: cacheContent(u, writtenAt) }));
    const written = new Set(await store.writeUniverses(c, entries, MANAGED_TYPES, writtenAt));
    const changes = plan.changes.filter((ch) => written.has(ch.universe));
    const metadata = changes.map((ch) => ({ universe: ch.universe, cacheType: ch.type, symbolCount: ch.symbolCount, added: ch.added.length, removed: ch.removed.length }));
    await store.upsertMetadata(c, job.job_id, metadata, writtenAt);
    await store.insertDelistedMemberships(c, job.job_id, plan.delisting?.memberships ?? [], writtenAt);
    ctx.signal.throwIfAborted(); // a cancel or timeout during the write rolls it all back
    const totalChanges = changes.reduce((n, ch) => n + ch.added.length + ch.removed.length, 0);
    const end = { status: "completed" as const, totalChanges, universesUpdated: changes.map((ch) => ch.universe), rowsWritten: written.size };
    const row = await store.finishJob(c, job.job_id, end);
    if (!row) throw new JobStopped("the job was ended elsewhere while it ran", null);
    return { row, changes, skipped: changed.map((u) => u.name).filter((name) => !written.has(name)) };
  });
}

/** After the commit: one universe_updated per changed universe, the IPOs, the clean-up. */
function publishChanges(ctx: Ctx, plan: SyncPlan, changes: readonly UniverseChange[]): void {
  const ids = eventIds(ctx.job);
  for (const ch of changes) {
    ctx.publish("universe_updated", { ...ids, universe: ch.universe, type: ch.type, symbol_count: ch.symbolCount, added: ch.added, removed: ch.removed });
  }
  for (const ipo of plan.ipoAssignments ?? []) {
    ctx.publish("ipo_assignment", { ...ids, symbol: ipo.symbol, universes: ipo.universes, list_date: ipo.listDate });
  }
  if (plan.delisting && plan.delisting.symbolsRemoved.length > 0) {
    ctx.publish("delisting_cleanup", { ...ids, symbols_removed: plan.delisting.symbolsRemoved, universes_affected: plan.delisting.universesAffected });
  }
}

async function fail(ctx: Ctx, err: unknown): Promise<JobOutcome> {
  if (err instanceof InputUnavailable) return end(ctx, { status: "error", errorDetails: err.message }, "IMPORT_UNAVAILABLE");
  const stopped = ctx.signal.aborted ? ctx.signal.reason : err;
  if (stopped instanceof JobStopped) return end(ctx, { status: "failed", errorDetails: stopped.message }, stopped.errorCode);
  const message = err instanceof ConnectError ? err.rawMessage : err instanceof Error ? err.message : String(err);
  ctx.log.error({ err }, "cache sync failed");
  return end(ctx, { status: "failed", errorDetails: message }, "CACHE_SYNC_FAILED");
}

/** Ends the job as `failed` or `error` (guarded: a job ended elsewhere keeps its end). */
async function end(ctx: Ctx, jobEnd: store.JobEnd, errorCode: string | null): Promise<JobOutcome> {
  const row = (await store.finishJob(ctx.deps.pool, ctx.job.job_id, jobEnd)) ?? (await store.getJob(ctx.deps.pool, ctx.job.job_id))!;
  return ended(ctx, row, row.status === jobEnd.status ? errorCode : null);
}

function ended(ctx: Ctx, row: store.JobRow, errorCode: string | null = null): JobOutcome {
  publishJobEnd(ctx.publish, row, errorCode);
  const status = row.status as JobOutcome["status"];
  const durationSeconds = roundSeconds(row.duration_seconds);
  ctx.log[status === "completed" ? "info" : "warn"](
    { status, total_changes: row.total_changes ?? 0, rows_written: row.rows_written ?? 0, seconds: durationSeconds, ms: ctx.timings, error: row.error_details ?? undefined },
    "cache sync ended",
  );
  return {
    job: row,
    status,
    totalChanges: row.total_changes ?? 0,
    universesUpdated: row.universes_updated ?? [],
    rowsWritten: row.rows_written ?? 0,
    eventsPublished: ctx.events(),
    durationSeconds,
    errorDetails: row.error_details,
    timings: ctx.timings,
  };
}

/**
 * The closing events of an ended job: an error event when `errorCode` is set, then
 * cache_sync_completed and, inside a run, cache_sync_phase_completed. Also for jobs that never
 * ran (cancelled while pending) or whose process died.
 */
export function publishJobEnd(publish: EventPublisher["publish"], row: store.JobRow, errorCode: string | null): void {
  const ids = eventIds(row);
  if (errorCode) {
    publish("error", { severity: "error", component: "cache_sync", error_code: errorCode, message: row.error_details ?? `cache sync job ${row.status}`, context: ids });
  }
  const totals = {
    status: row.status,
    total_changes: row.total_changes ?? 0,
    universes_updated: row.universes_updated ?? [],
    duration_seconds: roundSeconds(row.duration_seconds),
    ...(row.error_details ? { error_details: row.error_details } : {}),
  };
  publish("cache_sync_completed", { ...ids, mode: row.mode, ...totals });
  if (row.run_id) publish("cache_sync_phase_completed", { run_id: row.run_id, job_id: row.job_id, ...totals });
}

const roundSeconds = (s: number | null) => Math.round((s ?? 0) * 1000) / 1000;

export function eventIds(job: store.JobRow): { job_id: string; run_id?: string } {
  return job.run_id ? { job_id: job.job_id, run_id: job.run_id } : { job_id: job.job_id };
}
