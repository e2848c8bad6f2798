import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import type { Queryable } from "@tickstock/common/db.ts";
import type { DailyBars, SymbolInfo } from "./providers/types.ts";
import { copyTextSymbolMajor } from "./bars-copy.ts";
import { symbolBarsFromBinaryCopy } from "./bars-wire.ts";

/** All SQL of the import service. Functions take a Queryable (pool or transaction client) first. */

const IMPORT_LOCK = 71101;

/** One import at a time: a session lock on a dedicated client, released with it. */
export async function tryLockImports(client: pg.PoolClient): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [IMPORT_LOCK]);
  return rows[0]!.ok;
}

export async function unlockImports(client: pg.PoolClient): Promise<void> {
  await client.query("SELECT pg_advisory_unlock($1)", [IMPORT_LOCK]);
}

export interface BarWriteResult {
  /** Rows inserted or changed (unchanged rows are not rewritten). */
  written: number;
  /** Rows that were new for their (symbol, date). */
  inserted: number;
}

async function copyInto(client: pg.PoolClient, table: string, columns: string, chunks: Iterable<string>): Promise<void> {
  await pipeline(Readable.from(chunks), client.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN`)));
}

/**
 * Writes the bars of several dates inside the caller's transaction. Dates
 * never imported before (no bar_dates row: bars and bar_dates are always
 * written together) are loaded by a plain COPY straight into ohlcv_daily;
 * otherwise the rows go through a staging table and one INSERT … ON CONFLICT
 * that rewrites only rows whose values changed, so importing the same data
 * twice writes nothing.
 */
export async function writeBars(client: pg.PoolClient, batches: readonly DailyBars[]): Promise<BarWriteResult> {
  const nonEmpty = batches.filter((b) => b.symbols.length > 0);
  if (nonEmpty.length === 0) return { written: 0, inserted: 0 };
  const dates = nonEmpty.map((b) => b.date);
  const known = await client.query("SELECT 1 FROM import.bar_dates WHERE date = ANY($1::date[]) LIMIT 1", [dates]);
  await ensureSymbolsExist(client, nonEmpty);
  const columns = "symbol, date, open, high, low, close, volume";

  if (known.rowCount === 0) {
    await copyInto(client, "public.ohlcv_daily", columns, copyTextSymbolMajor(nonEmpty));
    await client.query(
      `INSERT INTO import.bar_dates (date, symbols)
       SELECT * FROM unnest($1::date[], $2::int[])
       ON CONFLICT (date) DO UPDATE SET symbols = bar_dates.symbols + EXCLUDED.symbols, updated_at = now()`,
      [dates, nonEmpty.map((b) => b.symbols.length)],
    );
    const rows = nonEmpty.reduce((n, b) => n + b.symbols.length, 0);
    return { written: rows, inserted: rows };
  }

  await client.query(
    `CREATE TEMP TABLE IF NOT EXISTS staging_bars
       (symbol varchar(20), date date, open float8, high float8, low float8, close float8, volume float8)
     ON COMMIT DELETE ROWS`,
  );
  await client.query("TRUNCATE staging_bars");
  await copyInto(client, "staging_bars", columns, copyTextSymbolMajor(nonEmpty));
  const { rows } = await client.query<{ written: string; inserted: string }>(
    `WITH up AS (
       INSERT INTO public.ohlcv_daily AS o (symbol, date, open, high, low, close, volume)
       SELECT symbol, date, open, high, low, close, volume FROM staging_bars
       ON CONFLICT (symbol, date) DO UPDATE
         SET open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low,
             close = EXCLUDED.close, volume = EXCLUDED.volume
         WHERE (o.open, o.high, o.low, o.close, o.volume)
               IS DISTINCT FROM (EXCLUDED.open, EXCLUDED.high, EXCLUDED.low, EXCLUDED.close, EXCLUDED.volume)
       RETURNING o.date, (xmax = 0) AS inserted
     ), per_date AS (
       SELECT date, count(*) AS written, count(*) FILTER (WHERE inserted) AS inserted FROM up GROUP BY date
     ), coverage AS (
       INSERT INTO import.bar_dates (date, symbols)
       SELECT date, inserted FROM per_date
       ON CONFLICT (date) DO UPDATE SET symbols = bar_dates.symbols + EXCLUDED.symbols, updated_at = now()
     )
     SELECT coalesce(sum(written), 0) AS written, coalesce(sum(inserted), 0) AS inserted FROM per_date`,
  );
  return { written: Number(rows[0]!.written), inserted: Number(rows[0]!.inserted) };
}

/** Bars of tickers the symbol list does not know (Massive's grouped and tickers lists differ) get a minimal symbols row. */
async function ensureSymbolsExist(client: pg.PoolClient, batches: readonly DailyBars[]): Promise<void> {
  const all = new Set<string>();
  for (const b of batches) for (const s of b.symbols) all.add(s);
  await client.query(
    `INSERT INTO public.symbols (symbol, name) SELECT s, s FROM unnest($1::varchar[]) AS s ON CONFLICT (symbol) DO NOTHING`,
    [[...all]],
  );
}

const SYMBOL_COLUMNS =
  "symbol, name, sector, industry, sic_code, sic_description, market_cap, list_date, active, delisted_date, sp500, nasdaq100, exchange, type";

function copyField(v: string | number | boolean | null): string {
  if (v === null || (typeof v === "number" && !Number.isFinite(v))) return "\\N";
  if (typeof v !== "string") return String(v);
  return v.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"));
}

function* symbolCopyText(symbols: readonly SymbolInfo[]): Generator<string> {
  let chunk = "";
  for (const s of symbols) {
    chunk +=
      [s.symbol, s.name, s.sector, s.industry, s.sicCode, s.sicDescription, s.marketCap, s.listDate, s.active, s.delistedDate, s.sp500, s.nasdaq100, s.exchange, s.type]
        .map(copyField)
        .join("\t") + "\n";
    if (chunk.length > 1 << 18) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk) yield chunk;
}

/** Upserts symbol reference data; rows whose values did not change are not rewritten. Returns rows written. */
export async function upsertSymbols(client: pg.PoolClient, symbols: readonly SymbolInfo[]): Promise<number> {
  if (symbols.length === 0) return 0;
  await client.query(`CREATE TEMP TABLE IF NOT EXISTS staging_symbols (LIKE public.symbols INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`);
  await client.query("TRUNCATE staging_symbols");
  await copyInto(client, "staging_symbols", SYMBOL_COLUMNS, symbolCopyText(symbols));
  const set = SYMBOL_COLUMNS.split(", ").filter((c) => c !== "symbol");
  const { rowCount } = await client.query(
    `INSERT INTO public.symbols AS t (${SYMBOL_COLUMNS})
     SELECT DISTINCT ON (symbol) ${SYMBOL_COLUMNS} FROM staging_symbols ORDER BY symbol
     ON CONFLICT (symbol) DO UPDATE SET ${set.map((c) => `${c} = EXCLUDED.${c}`).join(", ")}, updated_at = now()
     WHERE (${set.map((c) => `t.${c}`).join(", ")}) IS DISTINCT FROM (${set.map((c) => `EXCLUDED.${c}`).join(", ")})`,
  );
  return rowCount ?? 0;
}

export interface SymbolRow {
  symbol: string;
  name: string;
  sector: string;
  industry: string;
  sic_description: string;
  market_cap: number | null;
  list_date: string | null;
  active: boolean;
  delisted_date: string | null;
  sp500: boolean;
  nasdaq100: boolean;
  exchange: string;
  type: string;
}

export async function listSymbols(
  db: Queryable,
  filter: { symbols: string[]; index: "all" | "sp500" | "nasdaq100"; includeInactive: boolean },
): Promise<SymbolRow[]> {
  const { rows } = await db.query<SymbolRow>(
    `SELECT symbol, name, sector, industry, sic_description, market_cap,
            to_char(list_date, 'YYYY-MM-DD') AS list_date, active,
            to_char(delisted_date, 'YYYY-MM-DD') AS delisted_date, sp500, nasdaq100, exchange, type
       FROM public.symbols
      WHERE (cardinality($1::varchar[]) = 0 OR symbol = ANY($1::varchar[]))
        AND ($2 = 'all' OR ($2 = 'sp500' AND sp500) OR ($2 = 'nasdaq100' AND nasdaq100))
        AND ($3 OR (active AND delisted_date IS NULL))
      ORDER BY symbol`,
    [filter.symbols, filter.index, filter.includeInactive],
  );
  return rows;
}

/** Symbols (sorted) that have bars in the range: the default set of a ListBars call. */
export async function symbolsWithBars(db: Queryable, from: string | null, to: string | null): Promise<string[]> {
  const { rows } = await db.query<{ symbol: string }>(
    `SELECT symbol FROM public.symbols s
      WHERE EXISTS (SELECT 1 FROM public.ohlcv_daily o WHERE o.symbol = s.symbol
                      AND ($1::date IS NULL OR o.date >= $1::date) AND ($2::date IS NULL OR o.date <= $2::date))
      ORDER BY symbol`,
    [from, to],
  );
  return rows.map((r) => r.symbol);
}

/**
 * Streams the bars of `symbols` up to and including their dates in range, one SymbolBars message
 * (wire format) per symbol with bars, in symbol order, each in date order (bars-wire.ts).
 */
export async function* readBars(client: pg.PoolClient, symbols: readonly string[], from: string | null, to: string | null): AsyncGenerator<Uint8Array> {
  if (symbols.length === 0) return;
  // COPY takes no bind parameters: the values travel as transaction-local
  // settings set through a parameterized query, never interpolated into SQL.
  // The plan must be one index scan of the primary key, rows already in (symbol, date) order:
  // for a few hundred symbols the planner otherwise picks a parallel bitmap scan and an external
  // sort, several times the CPU (the settings are local to this transaction).
  await client.query("BEGIN READ ONLY");
  try {
    await client.query(
      `SELECT set_config('tickstock.symbols', $1, true), set_config('tickstock.from', $2, true), set_config('tickstock.to', $3, true),
              set_config('jit', 'off', true), set_config('max_parallel_workers_per_gather', '0', true),
              set_config('enable_bitmapscan', 'off', true), set_config('enable_sort', 'off', true)`,
      [symbols.join(","), from ?? "", to ?? ""],
    );
    const stream = client.query(
      copyTo(`COPY (SELECT symbol, (date - DATE '1970-01-01')::int4, open, high, low, close, volume FROM public.ohlcv_daily
                     WHERE symbol = ANY (string_to_array(current_setting('tickstock.symbols'), ','))
                       AND date >= coalesce(nullif(current_setting('tickstock.from'), '')::date, '-infinity')
                       AND date <= coalesce(nullif(current_setting('tickstock.to'), '')::date, 'infinity')
                     ORDER BY symbol, date) TO STDOUT (FORMAT binary)`),
    );
    yield* symbolBarsFromBinaryCopy(stream as AsyncIterable<Buffer>);
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
}

export interface BarCoverage {
  latest_date: string | null;
  earliest_date: string | null;
  symbols_on_latest_date: number;
  total_bars: number;
  total_symbols: number;
  /** bigint as text. */
  bars_version: string;
}

export async function describeBars(db: Queryable, onOrBefore: string | null): Promise<BarCoverage> {
  const { rows } = await db.query<BarCoverage>(
    `SELECT to_char(max(date), 'YYYY-MM-DD') AS latest_date, to_char(min(date), 'YYYY-MM-DD') AS earliest_date,
            coalesce((array_agg(symbols ORDER BY date DESC))[1], 0)::int AS symbols_on_latest_date,
            coalesce(sum(symbols), 0)::float8 AS total_bars,
            (SELECT count(*) FROM public.symbols)::int AS total_symbols,
            (SELECT version FROM import.bars_version)::text AS bars_version
       FROM import.bar_dates WHERE symbols > 0 AND ($1::date IS NULL OR date <= $1::date)`,
    [onOrBefore],
  );
  return rows[0]!;
}

export async function startImportRecord(db: Queryable, r: { importId: string; runId: string; provider: string; from: string; to: string }): Promise<void> {
  await db.query(
    `INSERT INTO import.imports (import_id, run_id, provider, from_date, to_date, status) VALUES ($1, $2, $3, $4, $5, 'running')`,
    [r.importId, r.runId || null, r.provider, r.from, r.to],
  );
}

export async function finishImportRecord(
  db: Queryable,
  importId: string,
  r: { status: "completed" | "failed" | "cancelled"; barsWritten: number; barsRejected: number; symbolsWritten: number; error?: string },
): Promise<void> {
  await db.query(
    `UPDATE import.imports SET status = $2, ended_at = now(), bars_written = $3, bars_rejected = $4, symbols_written = $5, error = $6
      WHERE import_id = $1 AND status = 'running'`,
    [importId, r.status, r.barsWritten, r.barsRejected, r.symbolsWritten, r.error ?? null],
  );
}

/**
 * At start-up: imports left 'running' by a dead process end 'failed' (their
 * committed batches stay). Only when no import holds the lock, so a replica
 * never fails another replica's live import.
 */
export async function recoverInterruptedImports(pool: pg.Pool): Promise<number> {
  const client = await pool.connect();
  try {
    if (!(await tryLockImports(client))) return 0;
    try {
      const { rowCount } = await client.query(
        `UPDATE import.imports SET status = 'failed', ended_at = now(), error = 'interrupted: the import service stopped during the import'
          WHERE status = 'running'`,
      );
      return rowCount ?? 0;
    } finally {
      await unlockImports(client);
    }
  } finally {
    client.release();
  }
}
