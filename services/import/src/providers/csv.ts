// The csv provider: a directory of CSV files with the header symbol,date,open,high,low,close,volume
// (any order, any case, extra columns ignored), one bar per line, any mix of dates and symbols
// per file. The directory is indexed once, lazily, by streaming every file: for each date, the
// runs of consecutive lines with that date (file, byte range, first line number), so dailyBars
// reads back only that date's bytes. Files added later are not seen by this provider instance.
//
// Every line that is not a good bar becomes a Rejection with source "<file>:<line>": wrong
// column count, unparsable number, duplicate (symbol, date). Lines whose date cannot be read
// (and files without the needed header) belong to no date: they are reported once, in the
// rejections of the first dailyBars call of the instance.
//
// listSymbols: the distinct symbols of the bar files (name = symbol, active) or, when the
// directory has a symbols.csv (symbol,name,sector,industry,sic_description,market_cap,list_date;
// optional sic_code, exchange, type, delisted_date, sp500, nasdaq100), that file's rows.
import { open, readdir } from "node:fs/promises";
import { join } from "node:path";
import { isValidIsoDate } from "@tickstock/common/trading-calendar.ts";
import { forEachLine, parseDecimal, splitCsvLine, splitLines } from "./csv-format.ts";
import { readSymbolsFile, SYMBOLS_FILE } from "./csv-symbols.ts";
import { DailyBarsBuilder } from "./daily-bars-builder.ts";
import { ProviderError, type MarketDataProvider, type Rejection } from "./types.ts";

export interface CsvProviderConfig {
  provider: "csv";
  dir: string;
}

const BAR_COLUMNS = ["symbol", "date", "open", "high", "low", "close", "volume"] as const;
type BarColumn = (typeof BAR_COLUMNS)[number];
type ColumnMap = Record<BarColumn, number> & { count: number };

/** Runs of consecutive lines of one date, as parallel arrays (a few numbers per run). */
interface Runs {
  file: number[];
  start: number[];
  end: number[];
  firstLine: number[];
}

interface CsvIndex {
  files: { name: string; columns: ColumnMap }[];
  byDate: Map<string, Runs>;
  symbols: Set<string>;
  hasSymbolsFile: boolean;
  /** Rows and files that belong to no date, reported once. */
  unassigned: Rejection[];
}

export function createCsvProvider(cfg: Omit<CsvProviderConfig, "provider">): MarketDataProvider {
  let indexing: Promise<CsvIndex> | undefined;
  const getIndex = (signal?: AbortSignal) => {
    indexing ??= buildIndex(cfg.dir, signal).catch((err: unknown) => {
      indexing = undefined; // let a later call try again
      throw err;
    });
    return indexing;
  };

  return {
    name: "csv",

    async listSymbols(asOf, signal) {
      const index = await getIndex(signal);
      if (index.hasSymbolsFile) return readSymbolsFile(join(cfg.dir, SYMBOLS_FILE), asOf, signal);
      return [...index.symbols].sort().map((symbol) => ({
        symbol,
        name: symbol,
        sector: "",
        industry: "",
        sicCode: "",
        sicDescription: "",
        marketCap: null,
        listDate: null,
        active: true,
        delistedDate: null,
        sp500: false,
        nasdaq100: false,
        exchange: "",
        type: "",
      }));
    },

    async dailyBars(date, signal) {
      if (!isValidIsoDate(date)) throw new RangeError(`not an ISO date (YYYY-MM-DD): ${JSON.stringify(date)}`);
      const index = await getIndex(signal);
      const out = new DailyBarsBuilder(date, { withRowSources: true });
      for (const r of index.unassigned.splice(0)) out.reject(r);
      const runs = index.byDate.get(date);
      if (runs) await readRuns(cfg.dir, index, runs, out, signal);
      return out.build(`csv ${cfg.dir}`);
    },
  };
}

async function buildIndex(dir: string, signal?: AbortSignal): Promise<CsvIndex> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isFile()).map((d) => d.name);
  } catch (err) {
    throw new ProviderError(`csv directory cannot be read: ${dir}`, "not_found", undefined, { cause: err });
  }
  const index: CsvIndex = { files: [], byDate: new Map(), symbols: new Set(), hasSymbolsFile: false, unassigned: [] };
  for (const name of names.sort()) {
    if (name.toLowerCase() === SYMBOLS_FILE) index.hasSymbolsFile = true;
    else if (name.toLowerCase().endsWith(".csv")) await indexFile(dir, name, index, signal);
  }
  return index;
}

async function indexFile(dir: string, name: string, index: CsvIndex, signal?: AbortSignal): Promise<void> {
  const fileNo = index.files.length;
  let columns: ColumnMap | null = null;
  let headerSeen = false;
  let previous: { line: number; runs: Runs } | null = null;
  await forEachLine(
    join(dir, name),
    (line) => {
      if (line.text.trim() === "") return;
      const source = `${name}:${line.number}`;
      if (!headerSeen) {
        headerSeen = true;
        const header = headerColumns(line.text);
        if (typeof header === "string") {
          index.unassigned.push({ symbol: "", date: "", reason: `file skipped: ${header}`, source });
        } else {
          columns = header;
          index.files.push({ name, columns });
        }
        return;
      }
      if (columns === null) return;
      const fields = splitCsvLine(line.text);
      const date = fields?.[columns.date] ?? "";
      if (fields === null || !isValidIsoDate(date)) {
        // Best effort for the report: a line with a broken quote still names its symbol.
        const symbol = (fields ?? line.text.split(","))[columns.symbol]?.trim().replace(/^"|"$/g, "") ?? "";
        const reason = fields === null ? "unterminated quote" : `date ${JSON.stringify(date)} is not YYYY-MM-DD`;
        index.unassigned.push({ symbol, date, reason, source });
        previous = null;
        return;
      }
      const symbol = fields[columns.symbol];
      if (symbol) index.symbols.add(symbol);
      let runs = index.byDate.get(date);
      if (!runs) index.byDate.set(date, (runs = { file: [], start: [], end: [], firstLine: [] }));
      const last = runs.file.length - 1;
      if (previous !== null && previous.runs === runs && previous.line === line.number - 1) {
        runs.end[last] = line.end; // the run goes on
      } else {
        runs.file.push(fileNo);
        runs.start.push(line.start);
        runs.end.push(line.end);
        runs.firstLine.push(line.number);
      }
      previous = { line: line.number, runs };
    },
    signal,
  );
}

/** Column positions from a header line, or why the header is unusable. */
function headerColumns(text: string): ColumnMap | string {
  const names = (splitCsvLine(text) ?? []).map((f) => f.trim().toLowerCase());
  const map = { count: names.length } as ColumnMap;
  const missing: string[] = [];
  for (const column of BAR_COLUMNS) {
    const at = names.indexOf(column);
    if (at === -1) missing.push(column);
    map[column] = at;
  }
  return missing.length ? `header lacks ${missing.join(", ")} (want ${BAR_COLUMNS.join(",")})` : map;
}

async function readRuns(dir: string, index: CsvIndex, runs: Runs, out: DailyBarsBuilder, signal?: AbortSignal): Promise<void> {
  const firstSource = new Map<string, string>();
  // Runs were recorded file by file, so each file is opened once per date.
  for (let r = 0; r < runs.file.length; ) {
    signal?.throwIfAborted();
    const file = index.files[runs.file[r]];
    const handle = await open(join(dir, file.name), "r");
    try {
      for (; r < runs.file.length && index.files[runs.file[r]] === file; r++) {
        const length = runs.end[r] - runs.start[r];
        const buf = Buffer.allocUnsafe(length);
        const { bytesRead } = await handle.read(buf, 0, length, runs.start[r]);
        if (bytesRead !== length) throw new ProviderError(`csv file changed while importing: ${file.name}`, "bad_response");
        for (const line of splitLines(buf, runs.firstLine[r], runs.start[r])) {
          if (line.text.trim() !== "") parseBarLine(line.text, `${file.name}:${line.number}`, file.columns, out, firstSource);
        }
      }
    } finally {
      await handle.close();
    }
  }
}

function parseBarLine(text: string, source: string, c: ColumnMap, out: DailyBarsBuilder, firstSource: Map<string, string>): void {
  const fields = splitCsvLine(text) ?? [];
  const symbol = fields[c.symbol] ?? "";
  const date = fields[c.date] ?? "";
  const reject = (reason: string) => out.reject({ symbol, date, reason, source });
  if (fields.length !== c.count) return reject(`expected ${c.count} columns, got ${fields.length}`);
  if (symbol === "") return reject("symbol is empty");
  const values = [c.open, c.high, c.low, c.close, c.volume].map((at) => parseDecimal(fields[at]));
  const bad = values.findIndex((v) => Number.isNaN(v));
  if (bad !== -1) {
    const column = ["open", "high", "low", "close", "volume"][bad];
    return reject(`${column} ${JSON.stringify(fields[c[column as BarColumn]])} is not a number`);
  }
  const first = firstSource.get(symbol);
  if (first !== undefined) return reject(`duplicate (symbol, date): first at ${first}`);
  firstSource.set(symbol, source);
  out.push(symbol, values[0], values[1], values[2], values[3], values[4], source);
}
