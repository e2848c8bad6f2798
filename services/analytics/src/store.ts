import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { Queryable } from "@tickstock/common/db.ts";
import { INDICATOR_NAMES, type Direction } from "./compute.ts";

/**
 * All SQL of the analytics service. Functions take a Queryable (pool or transaction client)
 * first; values travel only as $n parameters or COPY data. Identifiers built into SQL are the
 * constant column names of INDICATOR_NAMES, never request values.
 */

export type PhaseName = "indicators" | "patterns";

const CHUNK_BYTES = 1 << 18;

async function copyInto(client: pg.PoolClient, sql: string, chunks: Iterable<string>): Promise<void> {
  await pipeline(Readable.from(chunks), client.query(copyFrom(sql)));
}

/** A double as COPY text: NULL for NaN (not defined), else JavaScript's shortest exact form. */
const copyNumber = (v: number): string => (v === v ? String(v) : "\\N");

export interface IndicatorRow {
  symbol: string;
  /** INDICATOR_NAMES.length values from `offset`, in that order; NaN = not defined. */
  values: Float64Array;
  offset: number;
}

const INDICATOR_COLUMNS = `date, symbol, run_id, ${INDICATOR_NAMES.join(", ")}`;

function* indicatorCopyText(date: string, runId: string, rows: readonly IndicatorRow[]): Generator<string> {
  const width = INDICATOR_NAMES.length;
  const prefix = `${date}\t`;
  const runField = copyText(runId);
  let chunk = "";
  for (const row of rows) {
    let line = `${prefix}${copyText(row.symbol)}\t${runField}`;
    for (let j = 0; j < width; j++) line += `\t${copyNumber(row.values[row.offset + j])}`;
    chunk += `${line}\n`;
    if (chunk.length >= CHUNK_BYTES) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk) yield chunk;
}

function copyText(s: string): string {
  return s.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"));
}

/**
 * Replaces the run date's indicator rows of `symbols` (the whole batch, skipped symbols
 * included, so a symbol that no longer computes loses its stale row) by `rows`. Run it inside
 * a transaction: delete and load commit together.
 */
export async function replaceIndicatorValues(
  client: pg.PoolClient,
  date: string,
  runId: string,
  symbols: readonly string[],
  rows: readonly IndicatorRow[],
): Promise<void> {
  await client.query("DELETE FROM analytics.indicator_values WHERE date = $1 AND symbol = ANY($2::varchar[])", [date, symbols]);
  if (rows.length > 0) {
    await copyInto(client, `COPY analytics.indicator_values (${INDICATOR_COLUMNS}) FROM STDIN`, indicatorCopyText(date, runId, rows));
  }
}

export interface DetectionRow {
  symbol: string;
  pattern: string;
  direction: Direction;
  confidence: number;
}

function* detectionCopyText(date: string, runId: string, rows: readonly DetectionRow[]): Generator<string> {
  const runField = copyText(runId);
  let chunk = "";
  for (const r of rows) {
    chunk += `${date}\t${copyText(r.symbol)}\t${r.pattern}\t${r.direction}\t${r.confidence}\t${runField}\n`;
    if (chunk.length >= CHUNK_BYTES) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk) yield chunk;
}

/** Replaces the run date's detections of `symbols` by `rows` (inside a transaction). */
export async function replaceDetections(
  client: pg.PoolClient,
  date: string,
  runId: string,
  symbols: readonly string[],
  rows: readonly DetectionRow[],
): Promise<void> {
  await client.query("DELETE FROM analytics.pattern_detections WHERE date = $1 AND symbol = ANY($2::varchar[])", [date, symbols]);
  if (rows.length > 0) {
    await copyInto(
      client,
      "COPY analytics.pattern_detections (date, symbol, pattern, direction, confidence, run_id) FROM STDIN",
      detectionCopyText(date, runId, rows),
    );
  }
}

/**
 * After a run over every symbol of a date: rows of that date for symbols outside the run's
 * universe (no bar on the date any more) go, so the date holds exactly what the run computed.
 */
export async function deleteRowsOutside(db: Queryable, phase: PhaseName, date: string, keep: readonly string[]): Promise<number> {
  // NOT IN (SELECT …) is a hashed subplan: one lookup per row, not a scan of 10,000 symbols.
  const sql =
    phase === "indicators"
      ? "DELETE FROM analytics.indicator_values WHERE date = $1 AND symbol NOT IN (SELECT unnest($2::varchar[]))"
      : "DELETE FROM analytics.pattern_detections WHERE date = $1 AND symbol NOT IN (SELECT unnest($2::varchar[]))";
  const { rowCount } = await db.query(sql, [date, keep]);
  return rowCount ?? 0;
}

export interface PhaseRunStart {
  phaseRunId: string;
  runId: string;
  phase: PhaseName;
  runDate: string;
  universe: string;
  totalSymbols: number;
  /** The process running it (ownership.ts); null: none known. */
  owner: string | null;
}

export async function startPhaseRun(db: Queryable, r: PhaseRunStart): Promise<void> {
  await db.query(
    `INSERT INTO analytics.phase_runs (phase_run_id, run_id, phase, run_date, universe, total_symbols, owner)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [r.phaseRunId, r.runId, r.phase, r.runDate, r.universe, r.totalSymbols, r.owner],
  );
}

export interface PhaseRunEnd {
  status: "completed" | "failed" | "cancelled";
  successfulSymbols: number;
  skippedSymbols: number;
  results: number;
  error?: string;
}

/** Ends a running phase record (a guarded update: an ended record never changes again). */
export async function finishPhaseRun(db: Queryable, phaseRunId: string, r: PhaseRunEnd): Promise<void> {
  await db.query(
    `UPDATE analytics.phase_runs
        SET status = $2, ended_at = now(), successful_symbols = $3, skipped_symbols = $4, results = $5, error = $6
      WHERE phase_run_id = $1 AND status = 'running'`,
    [phaseRunId, r.status, r.successfulSymbols, r.skippedSymbols, r.results, r.error ?? null],
  );
}

/** The latest date with stored detections, or null. */
export async function latestDetectionDate(db: Queryable): Promise<string | null> {
  const { rows } = await db.query<{ date: string | null }>(
    "SELECT to_char(max(date), 'YYYY-MM-DD') AS date FROM analytics.pattern_detections",
  );
  return rows[0]!.date;
}

export interface DetectionFilter {
  date: string;
  /** Empty: any. */
  pattern: string;
  direction: string;
  symbol: string;
  limit: number;
  offset: number;
}

export interface StoredDetection extends DetectionRow {
  date: string;
}

/** One page of a date's detections, strongest first (ties by symbol, pattern), and the total. */
export async function listDetections(db: Queryable, f: DetectionFilter): Promise<{ rows: StoredDetection[]; total: number }> {
  const where = `date = $1 AND ($2 = '' OR pattern = $2) AND ($3 = '' OR direction = $3) AND ($4 = '' OR symbol = $4)`;
  const params = [f.date, f.pattern, f.direction, f.symbol];
  const [page, count] = await Promise.all([
    db.query<StoredDetection>(
      `SELECT to_char(date, 'YYYY-MM-DD') AS date, symbol, pattern, direction, confidence
         FROM analytics.pattern_detections WHERE ${where}
        ORDER BY confidence DESC, symbol, pattern LIMIT $5 OFFSET $6`,
      [...params, f.limit, f.offset],
    ),
    db.query<{ total: number }>(`SELECT count(*)::int AS total FROM analytics.pattern_detections WHERE ${where}`, params),
  ]);
  return { rows: page.rows, total: count.rows[0]!.total };
}
