import type { Queryable } from "@tickstock/common/db.ts";
import type { PhaseName, PhaseResult, RunCounts } from "../run-plan.ts";

/**
 * SQL of runs and their phases. A run's state moves only by guarded updates: every write of an
 * owner says `status = 'running' AND owner_id = <owner>`, so a process that lost its run (it
 * was taken over after a missed heartbeat) can no longer change it.
 */

export type RunStatus = "running" | "completed" | "failed" | "cancelled";
export type PhaseStatus = "pending" | "running" | "completed" | "failed" | "skipped" | "cancelled";
export type TriggerType = "automatic" | "manual";

export interface RunRow {
  run_id: string;
  run_date: string;
  universes: string[];
  trigger_type: TriggerType;
  status: RunStatus;
  started_at: Date;
  ended_at: Date | null;
  error: string | null;
  symbols_processed: number;
  indicators_calculated: number;
  patterns_detected: number;
  owner_id: string | null;
  duration_seconds: number | null;
}

export interface PhaseRow {
  phase: PhaseName;
  status: PhaseStatus;
  started_at: Date | null;
  ended_at: Date | null;
  percent_complete: number;
  attempts: number;
  result: PhaseResult | null;
  error: string | null;
}

const RUN_COLUMNS = `run_id, run_date::text AS run_date, universes, trigger_type, status, started_at, ended_at, error,
  symbols_processed, indicators_calculated, patterns_detected, owner_id,
  extract(epoch FROM ended_at - started_at)::float8 AS duration_seconds`;

const PHASE_COLUMNS = "phase, status, started_at, ended_at, percent_complete, attempts, result, error";

/** Owner dead: released, or no heartbeat for $n milliseconds (by the database's clock). */
const OWNER_DEAD = (n: number) => `(owner_id IS NULL OR heartbeat_at < now() - $${n} * interval '1 millisecond')`;

// ---- runs ----

export interface NewRun {
  runId: string;
  runDate: string;
  universes: readonly string[];
  phases: readonly PhaseName[];
  triggerType: TriggerType;
  ownerId: string;
}

/** Inserts a running run and its pending phases; 23505 when a run is already active. */
export async function insertRun(q: Queryable, run: NewRun): Promise<RunRow> {
  const { rows } = await q.query<RunRow>(
    `INSERT INTO coordinator.runs (run_id, run_date, universes, trigger_type, owner_id)
     VALUES ($1, $2, $3, $4, $5) RETURNING ${RUN_COLUMNS}`,
    [run.runId, run.runDate, run.universes, run.triggerType, run.ownerId],
  );
  await q.query(
    `INSERT INTO coordinator.run_phases (run_id, phase, position)
     SELECT $1, phase, position FROM unnest($2::text[]) WITH ORDINALITY AS p(phase, position)`,
    [run.runId, run.phases],
  );
  return rows[0]!;
}

export async function activeRun(q: Queryable): Promise<RunRow | null> {
  const { rows } = await q.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM coordinator.runs WHERE status = 'running'`);
  return rows[0] ?? null;
}

export async function getRun(q: Queryable, runId: string): Promise<RunRow | null> {
  const { rows } = await q.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM coordinator.runs WHERE run_id = $1`, [runId]);
  return rows[0] ?? null;
}

export async function runPhases(q: Queryable, runId: string): Promise<PhaseRow[]> {
  const { rows } = await q.query<PhaseRow>(`SELECT ${PHASE_COLUMNS} FROM coordinator.run_phases WHERE run_id = $1 ORDER BY position`, [runId]);
  return rows;
}

export async function lastFinishedRun(q: Queryable): Promise<RunRow | null> {
  const { rows } = await q.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM coordinator.runs WHERE status <> 'running' ORDER BY started_at DESC LIMIT 1`,
  );
  return rows[0] ?? null;
}

/** Runs started in the last `days` days, newest first. */
export async function listRuns(q: Queryable, days: number, limit = 1000): Promise<RunRow[]> {
  const { rows } = await q.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM coordinator.runs
     WHERE started_at >= now() - make_interval(days => $1) ORDER BY started_at DESC LIMIT $2`,
    [days, limit],
  );
  return rows;
}

// ---- phases (owner-guarded) ----

/** A call of `phase` begins (the first or a retry): running, counted, progress back to 0. */
export async function startPhaseAttempt(q: Queryable, runId: string, phase: PhaseName, ownerId: string, isFirst: boolean): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE coordinator.run_phases p
     SET status = 'running', attempts = p.attempts + 1, percent_complete = 0, error = NULL,
         started_at = CASE WHEN $4 THEN now() ELSE p.started_at END, ended_at = NULL
     FROM coordinator.runs r
     WHERE p.run_id = $1 AND p.phase = $2 AND r.run_id = p.run_id AND r.status = 'running' AND r.owner_id = $3`,
    [runId, phase, ownerId, isFirst],
  );
  return rowCount === 1;
}

export async function updatePhaseProgress(q: Queryable, runId: string, phase: PhaseName, percent: number, ownerId: string): Promise<void> {
  await q.query(
    `UPDATE coordinator.run_phases p SET percent_complete = $3
     FROM coordinator.runs r
     WHERE p.run_id = $1 AND p.phase = $2 AND p.status = 'running'
       AND r.run_id = p.run_id AND r.status = 'running' AND r.owner_id = $4`,
    [runId, phase, Math.min(100, Math.max(0, percent)), ownerId],
  );
}

/** The phase completed: its result stored and the run's counts updated, in one statement. */
export async function completePhase(q: Queryable, runId: string, phase: PhaseName, result: PhaseResult, counts: RunCounts, ownerId: string): Promise<boolean> {
  const { rowCount } = await q.query(
    `WITH r AS (
       UPDATE coordinator.runs SET symbols_processed = $4, indicators_calculated = $5, patterns_detected = $6
       WHERE run_id = $1 AND status = 'running' AND owner_id = $7 RETURNING run_id
     )
     UPDATE coordinator.run_phases p SET status = 'completed', ended_at = now(), percent_complete = 100, result = $3
     FROM r WHERE p.run_id = r.run_id AND p.phase = $2`,
    [runId, phase, JSON.stringify(result), counts.symbolsProcessed, counts.indicatorsCalculated, counts.patternsDetected, ownerId],
  );
  return rowCount === 1;
}

// ---- ending a run ----

export interface RunEnd {
  status: Exclude<RunStatus, "running">;
  error: string | null;
  /** What the phase in flight becomes (`failed` or `cancelled`); pending phases become `skipped`. */
  phaseStatus: "failed" | "cancelled" | "skipped";
  phaseError: string | null;
}

/** Who may end the run: its owner, or anyone once the owner is dead. */
export type EndGuard = { ownerId: string } | { staleAfterMs: number };

export async function finishRun(q: Queryable, runId: string, guard: EndGuard, end: RunEnd): Promise<RunRow | null> {
  const byOwner = "ownerId" in guard;
  const { rows } = await q.query<RunRow>(
    `WITH r AS (
       UPDATE coordinator.runs SET status = $2, ended_at = now(), error = $3, owner_id = NULL
       WHERE run_id = $1 AND status = 'running' AND ${byOwner ? "owner_id = $6" : OWNER_DEAD(6)}
       RETURNING *
     ), p AS (
       UPDATE coordinator.run_phases ph
       SET status = CASE WHEN ph.status = 'running' THEN $4 ELSE 'skipped' END,
           error = CASE WHEN ph.status = 'running' THEN $5 END,
           ended_at = CASE WHEN ph.status = 'running' THEN now() END
       FROM r WHERE ph.run_id = r.run_id AND ph.status IN ('pending', 'running')
     )
     SELECT ${RUN_COLUMNS} FROM r`,
    [runId, end.status, end.error, end.phaseStatus, end.phaseError, byOwner ? guard.ownerId : guard.staleAfterMs],
  );
  return rows[0] ?? null;
}

// ---- ownership ----

/** Renews the owner's heartbeat; null when the run is no longer this owner's. */
export async function heartbeat(q: Queryable, runId: string, ownerId: string): Promise<{ cancelRequested: boolean } | null> {
  const { rows } = await q.query<{ cancel_requested: boolean }>(
    `UPDATE coordinator.runs SET heartbeat_at = now()
     WHERE run_id = $1 AND status = 'running' AND owner_id = $2
     RETURNING cancel_requested_at IS NOT NULL AS cancel_requested`,
    [runId, ownerId],
  );
  return rows[0] ? { cancelRequested: rows[0].cancel_requested } : null;
}

/** Marks the active run for cancellation; null when nothing runs. */
export async function requestCancel(q: Queryable, staleAfterMs: number): Promise<{ run_id: string; owner_id: string | null; owner_dead: boolean } | null> {
  const { rows } = await q.query<{ run_id: string; owner_id: string | null; owner_dead: boolean }>(
    `UPDATE coordinator.runs SET cancel_requested_at = coalesce(cancel_requested_at, now())
     WHERE status = 'running'
     RETURNING run_id, owner_id, ${OWNER_DEAD(1)} AS owner_dead`,
    [staleAfterMs],
  );
  return rows[0] ?? null;
}

/** A graceful stop: the run stays `running` with no owner, and the next coordinator resumes it. */
export async function releaseRun(q: Queryable, runId: string, ownerId: string): Promise<boolean> {
  const { rows } = await q.query<{ released: string }>(
    `WITH r AS (
       UPDATE coordinator.runs SET owner_id = NULL
       WHERE run_id = $1 AND status = 'running' AND owner_id = $2 RETURNING run_id
     ), p AS (
       UPDATE coordinator.run_phases ph SET status = 'pending' FROM r WHERE ph.run_id = r.run_id AND ph.status = 'running'
     )
     SELECT count(*) AS released FROM r`,
    [runId, ownerId],
  );
  return Number(rows[0]?.released) === 1;
}

export interface RunningRunRow {
  run_id: string;
  owner_id: string | null;
  started_at: Date;
  heartbeat_at: Date;
  db_now: Date;
}

export async function runningRuns(q: Queryable): Promise<RunningRunRow[]> {
  const { rows } = await q.query<RunningRunRow>(
    "SELECT run_id, owner_id, started_at, heartbeat_at, now() AS db_now FROM coordinator.runs WHERE status = 'running'",
  );
  return rows;
}

/** Takes over a run whose owner is dead; false when someone else took it first or it ended. */
export async function adoptRun(q: Queryable, runId: string, ownerId: string, staleAfterMs: number): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE coordinator.runs SET owner_id = $2, heartbeat_at = now(), resumed_count = resumed_count + 1
     WHERE run_id = $1 AND status = 'running' AND ${OWNER_DEAD(3)}`,
    [runId, ownerId, staleAfterMs],
  );
  return rowCount === 1;
}
