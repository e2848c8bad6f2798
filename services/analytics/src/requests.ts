// The semantic checks of the service's requests, once, at the edge: a bad field is
// InvalidArgument naming it, and nothing unchecked reaches SQL or the import service. Pure.
import { invalidArgument } from "@tickstock/common/errors.ts";
import { MIN_YEAR, dateFromDayNumber, dayNumber, isValidIsoDate } from "@tickstock/common/trading-calendar.ts";
import { PATTERN_NAMES, type Direction } from "./compute.ts";
import type { PhaseRequest } from "./phases.ts";

/** A ticker as the import service accepts it (its SYMBOL_PATTERN; services share no code). */
export const SYMBOL_PATTERN = /^[A-Z][A-Z0-9.-]{0,14}$/;
/** ListBars accepts at most this many symbols per request. */
export const MAX_SYMBOLS = 20_000;
const DIRECTIONS: readonly Direction[] = ["bullish", "bearish", "neutral"];
/** The first date the system handles (isValidIsoDate): a default `from` never steps before it. */
const FIRST_DAY = dayNumber(`${MIN_YEAR}-01-01`);

export function checkDate(field: string, value: string): string {
  if (!isValidIsoDate(value)) throw invalidArgument(field, `${field} must be a date YYYY-MM-DD, got "${value.slice(0, 40)}"`);
  return value;
}

function checkText(field: string, value: string, max: number): string {
  if (value.length > max) throw invalidArgument(field, `${field} is longer than ${max} characters`);
  return value;
}

/** A ticker, upper-cased (REST paths are often typed in lower case). */
export function checkSymbol(field: string, value: string): string {
  if (value === "") throw invalidArgument(field, `${field} is required`);
  const symbol = value.toUpperCase();
  if (!SYMBOL_PATTERN.test(symbol)) throw invalidArgument(field, `"${value.slice(0, 24)}" is not a ticker symbol`);
  return symbol;
}

/** RunIndicators / RunPatterns. An empty run_id stays empty (the handler assigns one). */
export function checkPhaseRequest(req: { runId: string; runDate: string; universe: string; symbols: readonly string[] }): PhaseRequest {
  checkText("run_id", req.runId, 100);
  if (req.runDate === "") throw invalidArgument("run_date", "run_date is required");
  const runDate = checkDate("run_date", req.runDate);
  const universe = checkText("universe", req.universe, 100);
  if (req.symbols.length > MAX_SYMBOLS) throw invalidArgument("symbols", `at most ${MAX_SYMBOLS} symbols per request`);
  for (const s of req.symbols) {
    if (!SYMBOL_PATTERN.test(s)) throw invalidArgument("symbols", `"${s.slice(0, 24)}" is not a ticker symbol`);
  }
  return { runId: req.runId, runDate, universe, symbols: [...new Set(req.symbols)].sort() };
}

export interface IndicatorsQuery {
  symbol: string;
  /** YYYY-MM-DD or "" (default). */
  from: string;
  to: string;
}

/** GetIndicators before any read: formats, and the range when both ends are given. */
export function checkIndicatorsQuery(req: { symbol: string; from: string; to: string }, maxRangeDays: number): IndicatorsQuery {
  const symbol = checkSymbol("symbol", req.symbol);
  const from = req.from === "" ? "" : checkDate("from", req.from);
  const to = req.to === "" ? "" : checkDate("to", req.to);
  if (from && to) checkRange(from, to, maxRangeDays);
  return { symbol, from, to };
}

/** Days of a range, both ends included. */
const span = (from: string, to: string): number => dayNumber(to) - dayNumber(from) + 1;

function checkRange(from: string, to: string, maxRangeDays: number): void {
  if (from > to) throw invalidArgument("from", `from ${from} is after to ${to}`);
  if (span(from, to) > maxRangeDays) throw invalidArgument("to", `the range from ${from} to ${to} covers more than ${maxRangeDays} days`);
}

/** Days GetIndicators shows before `to` when `from` is not given. */
export const DEFAULT_RANGE_DAYS = 30;

/**
 * The range GetIndicators answers: `to` defaults to the symbol's latest bar (`latest`, "" when it
 * has none), `from` to DEFAULT_RANGE_DAYS before `to`. Empty ends when there is nothing to show.
 */
export function resolveRange(q: IndicatorsQuery, latest: string, maxRangeDays: number): { from: string; to: string } {
  const to = q.to || latest;
  if (!to) return { from: q.from, to: "" };
  const from = q.from || dateFromDayNumber(Math.max(FIRST_DAY, dayNumber(to) - DEFAULT_RANGE_DAYS));
  checkRange(from, to, maxRangeDays);
  return { from, to };
}

export interface PatternsQuery {
  /** "" = the latest date with detections. */
  date: string;
  pattern: string;
  direction: string;
  symbol: string;
  limit: number;
  offset: number;
}

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

export function checkPatternsQuery(req: { date: string; pattern: string; direction: string; symbol: string; limit?: number; offset?: number }): PatternsQuery {
  const date = req.date === "" ? "" : checkDate("date", req.date);
  if (req.pattern !== "" && !PATTERN_NAMES.includes(req.pattern)) {
    throw invalidArgument("pattern", `pattern must be one of ${PATTERN_NAMES.join(", ")}`);
  }
  if (req.direction !== "" && !DIRECTIONS.includes(req.direction as Direction)) {
    throw invalidArgument("direction", `direction must be one of ${DIRECTIONS.join(", ")}`);
  }
  const symbol = req.symbol === "" ? "" : checkSymbol("symbol", req.symbol);
  const limit = req.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw invalidArgument("limit", `limit must be between 1 and ${MAX_LIMIT}`);
  const offset = req.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) throw invalidArgument("offset", "offset must be 0 or more");
  return { date, pattern: req.pattern, direction: req.direction, symbol, limit, offset };
}
