import type pg from "pg";
import { pgCode, translatePgError, type Queryable } from "@tickstock/common/db.ts";
import type { DelistedMembership, SyncMode, UniverseType } from "./universes/types.ts";

/**
 * All SQL of the cache-sync service. Functions take a Queryable (pool or transaction client)
 * first; job state moves only by guarded updates (… WHERE status = 'pending' / 'running').
 */

export type JobStatus = "pending" | "running" | "completed" | "failed" | "error";
export type TriggeredBy = "api" | "scheduler" | "pipeline";
export const TERMINAL: readonly JobStatus[] = ["completed", "failed", "error"];

export interface JobRow {
  job_id: string;
  mode: SyncMode;
  force: boolean;
  status: JobStatus;
  triggered_by: TriggeredBy;
  run_id: string | null;
  /** YYYY-MM-DD */
  market_date: string | null;
  created_at: Date;
  start_time: Date | null;
  end_time: Date | null;
  duration_seconds: number | null;
  error_details: string | null;
  current_task: string | null;
  progress_completed: number;
  progress_total: number;
  total_changes: number | null;
  universes_updated: string[] | null;
  rows_written: number | null;
}

const JOB_COLUMNS = `job_id, mode, force, status, triggered_by, run_id, market_date::text AS market_date, created_at, start_time,
  end_time, duration_seconds, error_details, current_task, progress_completed, progress_total, total_changes,
  universes_updated, rows_written`;

/** Seconds from start_time to now, in SQL; NULL for a job that never started. */
const DURATION = "EXTRACT(EPOCH FROM clock_timestamp() - start_time)::float8";

export interface NewJob {
  jobId: string;
  mode: SyncMode;
  force: boolean;
  triggeredBy: TriggeredBy;
  runId: string | null;
  marketDate: string | null;
}

/**
 * Queues a job, or returns the one it joins: an api/scheduler trigger joins the pending job of
 * its mode, a pipeline trigger the active job of its run. A joined job runs with force when any
 * of its triggers asked for it.
 */
export async function insertJob(q: Queryable, job: NewJob): Promise<{ job: JobRow; created: boolean }> {
  const conflict = job.runId === null ? "(mode) WHERE status = 'pending' AND run_id IS NULL" : "(run_id) WHERE status IN ('pending', 'running')";
  const { rows } = await q.query<JobRow & { created: boolean }>(
    `INSERT INTO cache_sync.jobs AS j (job_id, mode, force, triggered_by, run_id, market_date)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT ${conflict} DO UPDATE SET force = j.force OR EXCLUDED.force
     RETURNING ${JOB_COLUMNS}, (xmax = 0) AS created`,
    [job.jobId, job.mode, job.force, job.triggeredBy, job.runId, job.marketDate],
  );
  const { created, ...row } = rows[0]!;
  return { job: row, created };
}

/** A job that starts at once, bypassing the queue (benchmarks, tools): AlreadyExists while another runs. */
export async function insertRunningJob(q: Queryable, job: NewJob): Promise<JobRow> {
  try {
    const { rows } = await q.query<JobRow>(
      `INSERT INTO cache_sync.jobs (job_id, mode, force, triggered_by, run_id, market_date, status, start_time)
       VALUES ($1, $2, $3, $4, $5, $6, 'running', clock_timestamp()) RETURNING ${JOB_COLUMNS}`,
      [job.jobId, job.mode, job.force, job.triggeredBy, job.runId, job.marketDate],
    );
    return rows[0]!;
  } catch (err) {
    throw translatePgError(err);
  }
}

/** Jobs that will run before `jobId` (the running one and older pending ones). */
export async function countJobsAhead(q: Queryable, jobId: string): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM cache_sync.jobs j, cache_sync.jobs me
     WHERE me.job_id = $1 AND j.job_id <> me.job_id
       AND (j.status = 'running' OR (j.status = 'pending' AND (j.created_at, j.job_id) < (me.created_at, me.job_id)))`,
    [jobId],
  );
  return rows[0]!.n;
}

/**
 * Moves the oldest pending job to running. Null when none is pending, or when another job is
 * running (the unique index refuses a second one).
 */
export async function claimNextJob(q: Queryable): Promise<JobRow | null> {
  try {
    const { rows } = await q.query<JobRow>(
      `UPDATE cache_sync.jobs SET status = 'running', start_time = clock_timestamp()
       WHERE job_id = (SELECT job_id FROM cache_sync.jobs WHERE status = 'pending'
                       ORDER BY created_at, job_id LIMIT 1 FOR UPDATE SKIP LOCKED)
         AND status = 'pending'
       RETURNING ${JOB_COLUMNS}`,
    );
    return rows[0] ?? null;
  } catch (err) {
    if (pgCode(err) === "23505") return null;
    throw err;
  }
}

/** Jobs left running by a process that died: called only by the holder of the worker lock. */
export async function failOrphanedJobs(q: Queryable, reason: string): Promise<JobRow[]> {
  const { rows } = await q.query<JobRow>(
    `UPDATE cache_sync.jobs SET status = 'failed', end_time = clock_timestamp(), duration_seconds = ${DURATION},
       error_details = $1, current_task = NULL
     WHERE status = 'running' RETURNING ${JOB_COLUMNS}`,
    [reason],
  );
  return rows;
}

export async function updateProgress(
  q: Queryable,
  jobId: string,
  p: { currentTask: string; completed: number; total: number; marketDate?: string },
): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE cache_sync.jobs SET current_task = $2, progress_completed = $3, progress_total = $4,
       market_date = coalesce($5::date, market_date)
     WHERE job_id = $1 AND status = 'running'`,
    [jobId, p.currentTask, p.completed, p.total, p.marketDate ?? null],
  );
  return rowCount === 1;
}

export interface JobEnd {
  status: Exclude<JobStatus, "pending" | "running">;
  errorDetails?: string | null;
  totalChanges?: number | null;
  universesUpdated?: string[] | null;
  rowsWritten?: number | null;
}

/** Ends a running (or, when cancelled before it started, a pending) job. Null if it had already ended. */
export async function finishJob(q: Queryable, jobId: string, end: JobEnd, from: "running" | "pending" = "running"): Promise<JobRow | null> {
  const { rows } = await q.query<JobRow>(
    `UPDATE cache_sync.jobs SET status = $2, end_time = clock_timestamp(), duration_seconds = ${DURATION},
       error_details = $3, total_changes = $4, universes_updated = $5, rows_written = $6, current_task = NULL
     WHERE job_id = $1 AND status = $7 RETURNING ${JOB_COLUMNS}`,
    [jobId, end.status, end.errorDetails ?? null, end.totalChanges ?? null, end.universesUpdated ?? null, end.rowsWritten ?? null, from],
  );
  return rows[0] ?? null;
}

export async function getJob(q: Queryable, jobId: string): Promise<JobRow | null> {
  const { rows } = await q.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM cache_sync.jobs WHERE job_id = $1`, [jobId]);
  return rows[0] ?? null;
}

/** Newest first, with the total count. */
export async function listJobs(q: Queryable, limit: number, offset: number): Promise<{ jobs: JobRow[]; total: number }> {
  const [page, count] = await Promise.all([
    q.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM cache_sync.jobs ORDER BY created_at DESC, job_id DESC LIMIT $1 OFFSET $2`, [limit, offset]),
    q.query<{ n: number }>("SELECT count(*)::int AS n FROM cache_sync.jobs"),
  ]);
  return { jobs: page.rows, total: count.rows[0]!.n };
}

export interface JobStats {
  total: number;
  successful: number;
  failed: number;
  avgDurationSeconds: number | null;
}

/** Jobs created in the last 7 days; the average duration is over the completed ones. */
export async function jobStatistics7d(q: Queryable): Promise<JobStats> {
  const { rows } = await q.query<JobStats>(
    `SELECT count(*)::int AS total,
            count(*) FILTER (WHERE status = 'completed')::int AS successful,
            count(*) FILTER (WHERE status IN ('failed', 'error'))::int AS failed,
            avg(duration_seconds) FILTER (WHERE status = 'completed') AS "avgDurationSeconds"
     FROM cache_sync.jobs WHERE created_at > now() - interval '7 days'`,
  );
  return rows[0]!;
}

// ---- cache_entries ----

export interface StoredUniverse {
  universe: string;
  cache_type: UniverseType;
  symbols: unknown;
  metadata: unknown;
}

/** The stored universes of the given types (rows of other types are not ours: never read or touched). */
export async function readUniverses(q: Queryable, types: readonly string[]): Promise<StoredUniverse[]> {
  const { rows } = await q.query<StoredUniverse>(
    `SELECT universe, cache_type, content->'symbols' AS symbols, content->'metadata' AS metadata
     FROM public.cache_entries WHERE cache_type = ANY($1::varchar[])`,
    [types],
  );
  return rows;
}

export interface EntryWrite {
  universe: string;
  cacheType: UniverseType;
  content: unknown;
}

/**
 * Inserts or rewrites universes; a row of the same name but of a type we do not manage is left
 * alone. Returns the names written.
 */
export async function writeUniverses(c: pg.PoolClient, entries: readonly EntryWrite[], managed: readonly string[], writtenAt: Date): Promise<string[]> {
  if (entries.length === 0) return [];
  const { rows } = await c.query<{ universe: string }>(
    `INSERT INTO public.cache_entries AS e (universe, content, cache_type, created_at, updated_at)
     SELECT u, c, t, $4, $4 FROM unnest($1::varchar[], $2::jsonb[], $3::varchar[]) AS x(u, c, t)
     ON CONFLICT (universe) DO UPDATE SET content = EXCLUDED.content, cache_type = EXCLUDED.cache_type, updated_at = EXCLUDED.updated_at
       WHERE e.cache_type = ANY($5::varchar[])
     RETURNING e.universe`,
    [entries.map((e) => e.universe), entries.map((e) => JSON.stringify(e.content)), entries.map((e) => e.cacheType), writtenAt, managed],
  );
  return rows.map((r) => r.universe);
}

export interface MetadataWrite {
  universe: string;
  cacheType: UniverseType;
  symbolCount: number;
  added: number;
  removed: number;
}

export async function upsertMetadata(c: pg.PoolClient, jobId: string, rows: readonly MetadataWrite[], writtenAt: Date): Promise<void> {
  if (rows.length === 0) return;
  await c.query(
    `INSERT INTO cache_sync.cache_entries_metadata AS m
       (universe, cache_type, symbol_count, last_added, last_removed, last_job_id, total_changes, created_at, updated_at)
     SELECT u, t, n, a, r, $6, a + r, $7, $7 FROM unnest($1::varchar[], $2::varchar[], $3::int[], $4::int[], $5::int[]) AS x(u, t, n, a, r)
     ON CONFLICT (universe) DO UPDATE SET cache_type = EXCLUDED.cache_type, symbol_count = EXCLUDED.symbol_count,
       last_added = EXCLUDED.last_added, last_removed = EXCLUDED.last_removed, last_job_id = EXCLUDED.last_job_id,
       rewrites = m.rewrites + 1, total_changes = m.total_changes + EXCLUDED.total_changes, updated_at = EXCLUDED.updated_at`,
    [rows.map((r) => r.universe), rows.map((r) => r.cacheType), rows.map((r) => r.symbolCount), rows.map((r) => r.added), rows.map((r) => r.removed), jobId, writtenAt],
  );
}

export async function insertDelistedMemberships(c: pg.PoolClient, jobId: string, rows: readonly DelistedMembership[], writtenAt: Date): Promise<void> {
  if (rows.length === 0) return;
  await c.query(
    `INSERT INTO cache_sync.delisted_memberships (symbol, universe, cache_type, rank, delisted_date, job_id, removed_at)
     SELECT s, u, t, r, nullif(d, '')::date, $6, $7 FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::int[], $5::text[]) AS x(s, u, t, r, d)
     ON CONFLICT DO NOTHING`,
    [rows.map((r) => r.symbol), rows.map((r) => r.universe), rows.map((r) => r.type), rows.map((r) => r.rank), rows.map((r) => r.delistedDate), jobId, writtenAt],
  );
}

export interface UniverseStatRow {
  universe: string;
  cache_type: string | null;
  symbol_count: number;
  updated_at: Date | null;
}

const SYMBOL_COUNT = "CASE jsonb_typeof(content->'symbols') WHEN 'array' THEN jsonb_array_length(content->'symbols') ELSE 0 END";
/** Bands largest first, top lists by size, then sectors, themes and IPOs by name. */
const UNIVERSE_ORDER = `array_position(ARRAY['market_cap', 'top_n', 'sector', 'theme', 'ipo']::varchar[], cache_type),
  CASE jsonb_typeof(content->'metadata'->'min_market_cap') WHEN 'number' THEN (content->'metadata'->>'min_market_cap')::float8 END DESC NULLS LAST,
  universe`;

/** Universes with an array of symbols; `types` null: every type (AppV2's own rows included). */
export async function listUniverseStats(q: Queryable, types: readonly string[] | null): Promise<UniverseStatRow[]> {
  const { rows } = await q.query<UniverseStatRow>(
    `SELECT universe, cache_type, ${SYMBOL_COUNT} AS symbol_count, updated_at FROM public.cache_entries
     WHERE jsonb_typeof(content->'symbols') = 'array' AND ($1::varchar[] IS NULL OR cache_type = ANY($1::varchar[]))
     ORDER BY ${UNIVERSE_ORDER}`,
    [types],
  );
  return rows;
}

export async function getUniverse(q: Queryable, universe: string): Promise<{ universe: string; cache_type: string | null; symbols: unknown; updated_at: Date | null } | null> {
  const { rows } = await q.query(
    "SELECT universe, cache_type, content->'symbols' AS symbols, updated_at FROM public.cache_entries WHERE universe = $1",
    [universe],
  );
  return (rows[0] as never) ?? null;
}

// ---- the worker lock ----

const WORKER_LOCK = 71201;

/** Session lock of the process that runs jobs: whoever holds it knows no other process runs one. */
export async function tryLockWorker(client: pg.PoolClient): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [WORKER_LOCK]);
  return rows[0]!.ok;
}

export async function unlockWorker(client: pg.PoolClient): Promise<void> {
  await client.query("SELECT pg_advisory_unlock($1)", [WORKER_LOCK]);
}
