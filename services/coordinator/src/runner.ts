import type pg from "pg";
import { Code, ConnectError } from "@connectrpc/connect";
import { codeName } from "@tickstock/common/errors.ts";
import type { EventPublisher } from "@tickstock/common/events.ts";
import type { Logger } from "@tickstock/common/log.ts";
import { phaseDuration, runDuration } from "@tickstock/common/metrics.ts";
import type { PhaseDriver, PhaseDrivers } from "./phases.ts";
import { retryDelayMs, runCounts, universeLabel, type PhaseName, type PhaseResult } from "./run-plan.ts";
import * as store from "./store/index.ts";
import type { UniverseResolver } from "./universes.ts";

/**
 * Drives one run through its phases: each phase is one streaming call to its service with a
 * deadline, retried with exponential backoff when the service is unreachable or its stream is cut
 * (isTransient); progress goes to run_phases; the end publishes exactly one of
 * processing_completed / _failed / _cancelled. Phase services publish their own phase events;
 * the coordinator publishes the run's.
 */

export interface PhasePolicy {
  deadlinesMs: Record<PhaseName, number>;
  /** Retries after the first call, on UNAVAILABLE only. */
  retries: number;
  backoffMs: number;
  backoffMaxMs: number;
  /** Minimum milliseconds between two progress writes of a phase. */
  progressIntervalMs: number;
}

export interface RunnerDeps {
  pool: pg.Pool;
  publisher: EventPublisher;
  log: Logger;
  phases: PhaseDrivers;
  universes: UniverseResolver;
  ownerId: string;
  policy: PhasePolicy;
}

/** Why an execution stops early; it is the abort reason of the run's signal. */
export class RunStop extends Error {
  constructor(
    readonly kind: "cancel" | "shutdown" | "lost",
    message: string,
  ) {
    super(message);
  }
}

/** A phase (or the universe resolution before it) failed for good. */
class PhaseFailure extends Error {
  constructor(
    readonly phase: PhaseName,
    readonly component: string,
    readonly errorCode: string,
    message: string,
    readonly context: Record<string, unknown>,
  ) {
    super(message);
  }
}

type EndDeps = Pick<RunnerDeps, "pool" | "publisher">;
type ErrorEvent = { component: string; error_code: string; message: string; context: Record<string, unknown>; severity?: "error" | "critical" };

const END_EVENT = { completed: "processing_completed", failed: "processing_failed", cancelled: "processing_cancelled" } as const;

/**
 * Ends a run (when the guard still holds) and publishes its end event, preceded by `error` when
 * given. Returns null, publishing nothing, when the run was not this caller's to end.
 */
export async function endRun(deps: EndDeps, runId: string, guard: store.EndGuard, end: store.RunEnd, error?: ErrorEvent): Promise<store.RunRow | null> {
  const row = await store.finishRun(deps.pool, runId, guard, end);
  if (!row) return null;
  runDuration.labels(end.status).observe(row.duration_seconds ?? 0);
  if (error) deps.publisher.publish("error", { severity: error.severity ?? "error", ...error, context: { run_id: runId, ...error.context } });
  const payload = {
    run_id: row.run_id,
    run_date: row.run_date,
    status: end.status,
    duration_seconds: Math.round((row.duration_seconds ?? 0) * 10) / 10,
    symbols_processed: row.symbols_processed,
    indicators_calculated: row.indicators_calculated,
    patterns_detected: row.patterns_detected,
    universe: universeLabel(row.universes),
    trigger_type: row.trigger_type,
  };
  if (end.status === "failed") deps.publisher.publish("processing_failed", { ...payload, error: end.error ?? "failed" });
  else deps.publisher.publish(END_EVENT[end.status], payload);
  return row;
}

function abortable(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export async function executeRun(deps: RunnerDeps, run: store.RunRow, phases: store.PhaseRow[], signal: AbortSignal): Promise<void> {
  const log = deps.log.child({ run_id: run.run_id });
  const results: Partial<Record<PhaseName, PhaseResult>> = {};
  for (const p of phases) if (p.status === "completed" && p.result) results[p.phase] = p.result;
  const owner = { ownerId: deps.ownerId };
  let symbols: string[] | null = null;
  let current: PhaseTiming | null = null;
  try {
    for (const p of phases) {
      if (p.status === "completed") continue;
      if (signal.aborted) throw signal.reason;
      const driver = deps.phases[p.phase];
      current = { phase: p.phase, started: performance.now() };
      const result = await runPhase(deps, run, p.phase, driver, signal, async () => {
        if (driver.needsSymbols && symbols === null) symbols = await resolveSymbols(deps, run, p.phase, signal);
        return symbols ?? [];
      });
      results[p.phase] = result;
      if (!(await store.completePhase(deps.pool, run.run_id, p.phase, result, runCounts(results), deps.ownerId))) throw new RunStop("lost", "run taken over");
      log.info({ phase: p.phase, ms: Math.round(observePhase(current, "completed") * 1000) }, "phase completed");
      current = null;
    }
    await endRun(deps, run.run_id, owner, { status: "completed", error: null, phaseStatus: "skipped", phaseError: null });
    log.info("run completed");
  } catch (err) {
    const reason = signal.aborted ? signal.reason : err;
    if (current) observePhase(current, reason instanceof RunStop ? (reason.kind === "cancel" ? "cancelled" : "interrupted") : "failed");
    await stopRun(deps, run, reason, log);
  }
}

interface PhaseTiming {
  phase: PhaseName;
  started: number;
}

/** Records how long a phase took (retries included) and how it ended; returns the seconds. */
function observePhase(t: PhaseTiming, status: "completed" | "failed" | "cancelled" | "interrupted"): number {
  const seconds = (performance.now() - t.started) / 1000;
  phaseDuration.labels(t.phase, status).observe(seconds);
  return seconds;
}

async function stopRun(deps: RunnerDeps, run: store.RunRow, reason: unknown, log: Logger): Promise<void> {
  const owner = { ownerId: deps.ownerId };
  if (reason instanceof RunStop && reason.kind === "cancel") {
    await endRun(deps, run.run_id, owner, { status: "cancelled", error: null, phaseStatus: "cancelled", phaseError: null });
    log.info("run cancelled");
  } else if (reason instanceof RunStop && reason.kind === "shutdown") {
    await store.releaseRun(deps.pool, run.run_id, deps.ownerId);
    log.warn("run released for a later coordinator to resume");
  } else if (reason instanceof RunStop) {
    log.warn({ reason: reason.message }, "run no longer owned by this coordinator; stopped");
  } else if (reason instanceof PhaseFailure) {
    const error = `${reason.phase} phase failed: ${reason.message}`;
    const event = { component: reason.component, error_code: reason.errorCode, message: error, context: { phase: reason.phase, ...reason.context } };
    await endRun(deps, run.run_id, owner, { status: "failed", error, phaseStatus: "failed", phaseError: reason.message }, event);
    log.error({ phase: reason.phase, err: reason.message }, "run failed");
  } else {
    log.error({ err: reason }, "run failed unexpectedly");
    const error = `internal error in the coordinator: ${(reason as Error)?.message ?? String(reason)}`;
    const event = { component: "coordinator", error_code: "INTERNAL", message: error, context: {} };
    await endRun(deps, run.run_id, owner, { status: "failed", error, phaseStatus: "failed", phaseError: error }, event).catch((e: unknown) =>
      log.error({ err: e }, "could not record the run's failure"),
    );
  }
}

/** The universe could not be resolved to symbols (a call to import or cache-sync failed). */
class ResolutionError extends Error {
  constructor(readonly error: ConnectError) {
    super(error.rawMessage);
  }
}

async function resolveSymbols(deps: RunnerDeps, run: store.RunRow, phase: PhaseName, signal: AbortSignal): Promise<string[]> {
  let symbols: string[];
  try {
    symbols = await deps.universes.symbols(run.universes, signal);
  } catch (err) {
    throw err instanceof ConnectError && !signal.aborted ? new ResolutionError(err) : err;
  }
  if (symbols.length === 0) {
    const message = `universe ${universeLabel(run.universes)} has no active symbols`;
    throw new PhaseFailure(phase, "coordinator", "EMPTY_UNIVERSE", message, { universe: universeLabel(run.universes) });
  }
  return symbols;
}

/**
 * Worth another call: the service is unreachable (UNAVAILABLE), or the stream was cut from its
 * side (CANCELED while our own signal is not aborted, checked before this): connect-node reports
 * a connection lost mid-stream, e.g. a phase service killed or restarted, as an HTTP/2 CANCEL.
 */
function isTransient(err: ConnectError): boolean {
  return err.code === Code.Unavailable || err.code === Code.Canceled;
}

/** One phase with its retries; resolves with the phase's result or throws PhaseFailure / the stop. */
async function runPhase(
  deps: RunnerDeps,
  run: store.RunRow,
  phase: PhaseName,
  driver: PhaseDriver,
  signal: AbortSignal,
  symbolsFor: () => Promise<string[]>,
): Promise<PhaseResult> {
  const { policy } = deps;
  for (let attempt = 1; ; attempt++) {
    if (!(await store.startPhaseAttempt(deps.pool, run.run_id, phase, deps.ownerId, attempt === 1))) throw new RunStop("lost", "run taken over");
    try {
      return await callPhase(deps, run, phase, driver, await symbolsFor(), signal);
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      // Our own failures (a PhaseFailure, a database error) are not the service's: no retry.
      if (!(err instanceof ConnectError || err instanceof ResolutionError)) throw err;
      const resolving = err instanceof ResolutionError;
      const ce = resolving ? err.error : err;
      const context = { service: resolving ? "universe resolution" : driver.service, grpc_code: codeName(ce.code), attempts: attempt };
      if (isTransient(ce) && attempt <= policy.retries) {
        const delay = retryDelayMs(attempt, policy.backoffMs, policy.backoffMaxMs);
        deps.log.warn({ run_id: run.run_id, phase, attempt, delay_ms: delay, err: ce.rawMessage }, "phase service unavailable, retrying");
        await abortable(delay, signal);
        continue;
      }
      const why = ce.code === Code.DeadlineExceeded ? `no result within ${policy.deadlinesMs[phase]} ms` : ce.rawMessage;
      const suffix = isTransient(ce) ? ` (gave up after ${attempt} attempts)` : "";
      const component = resolving ? "coordinator" : driver.component;
      const prefix = resolving ? `resolving universe ${universeLabel(run.universes)}` : `${driver.component} service`;
      throw new PhaseFailure(phase, component, codeName(ce.code).toUpperCase(), `${prefix}: ${why}${suffix}`, context);
    }
  }
}

async function callPhase(deps: RunnerDeps, run: store.RunRow, phase: PhaseName, driver: PhaseDriver, symbols: string[], signal: AbortSignal): Promise<PhaseResult> {
  const call = { runId: run.run_id, runDate: run.run_date, universe: universeLabel(run.universes), symbols };
  let lastWrite = 0;
  let final: { result: PhaseResult; failure?: string } | null = null;
  for await (const update of driver.run(call, { signal, timeoutMs: deps.policy.deadlinesMs[phase] })) {
    if (update.kind === "result") {
      final = update;
    } else if (performance.now() - lastWrite >= deps.policy.progressIntervalMs) {
      lastWrite = performance.now();
      await store.updatePhaseProgress(deps.pool, run.run_id, phase, update.percentComplete, deps.ownerId);
    }
  }
  if (!final) throw new ConnectError(`${driver.service} ended the ${phase} phase without a result`, Code.Internal);
  if (final.failure !== undefined) {
    throw new PhaseFailure(phase, driver.component, "PHASE_FAILED", `${driver.component} service: ${final.failure}`, { service: driver.service, result: final.result });
  }
  return final.result;
}
