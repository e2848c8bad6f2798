// What a run will do, decided from the request alone: its date, its phases in their fixed order,
// its universe, and the counts history shows. Pure: the clock and the calendar are parameters.
import { failedPrecondition, invalidArgument } from "@tickstock/common/errors.ts";
import {
  isTradingDay,
  isValidIsoDate,
  latestCompletedTradingDay,
  zonedDate,
  type CalendarOptions,
} from "@tickstock/common/trading-calendar.ts";

export const PHASES = ["import", "cache_sync", "indicators", "patterns"] as const;
export type PhaseName = (typeof PHASES)[number];

/** The exchange's zone: run dates and "today" are NYSE dates. */
export const MARKET_TIME_ZONE = "America/New_York";
/** Universes every run can name besides those of cache_entries. */
export const BUILTIN_UNIVERSES = ["sp500", "nasdaq100", "all"] as const;

const UNIVERSE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

export interface RunRequest {
  skipMarketCheck?: boolean;
  phases: readonly string[];
  universe?: string;
  runDate?: string;
}

export interface RunPlan {
  runDate: string;
  phases: PhaseName[];
  universes: string[];
}

export interface PlanOptions {
  calendar: CalendarOptions;
  defaultUniverse: string;
}

export function isPhaseName(s: string): s is PhaseName {
  return (PHASES as readonly string[]).includes(s);
}

export function isUniverseName(s: string): boolean {
  return UNIVERSE_NAME.test(s);
}

/** `all` (or nothing) means the four phases; otherwise the named ones, always in the fixed order. */
export function planPhases(requested: readonly string[]): PhaseName[] {
  for (const p of requested) {
    if (p !== "all" && !isPhaseName(p)) {
      throw invalidArgument("phases", `unknown phase "${p.slice(0, 40)}": phases are all, ${PHASES.join(", ")}`);
    }
  }
  if (requested.length === 0 || requested.includes("all")) return [...PHASES];
  return PHASES.filter((p) => requested.includes(p));
}

/**
 * The plan of a manual run. `run_date` defaults to the latest completed trading day in
 * America/New_York; a date that is not a trading day, or whose session has not closed yet, is
 * refused unless `skip_market_check`; a date after today is refused always.
 */
export function planRun(req: RunRequest, opts: PlanOptions, now: Date): RunPlan {
  const phases = planPhases(req.phases);
  const universe = req.universe ?? opts.defaultUniverse;
  if (!isUniverseName(universe)) throw invalidArgument("universe", `"${universe.slice(0, 40)}" is not a universe name`);
  const runDate = req.runDate ?? latestCompletedTradingDay(now, { ...opts.calendar, timeZone: MARKET_TIME_ZONE });
  if (!isValidIsoDate(runDate)) {
    throw invalidArgument("run_date", `run_date must be a date YYYY-MM-DD, got "${runDate.slice(0, 40)}"`);
  }
  const today = zonedDate(now, MARKET_TIME_ZONE);
  if (runDate > today) throw invalidArgument("run_date", `run_date ${runDate} is in the future (today is ${today} in ${MARKET_TIME_ZONE})`);
  if (!req.skipMarketCheck) checkMarketDay(runDate, now, opts.calendar);
  return { runDate, phases, universes: [universe] };
}

function checkMarketDay(runDate: string, now: Date, calendar: CalendarOptions): void {
  if (!isTradingDay(runDate, calendar)) {
    throw failedPrecondition(`${runDate} is not an NYSE trading day (weekend or market holiday); set skip_market_check to run anyway`, {
      field: "run_date",
      run_date: runDate,
    });
  }
  const closed = latestCompletedTradingDay(now, { ...calendar, timeZone: MARKET_TIME_ZONE });
  if (runDate > closed) {
    throw failedPrecondition(`the ${runDate} session has not closed yet; set skip_market_check to run anyway`, {
      field: "run_date",
      run_date: runDate,
    });
  }
}

/** The plan of a scheduled run: every phase, the schedule's universes, the latest closed session. */
export function planScheduledRun(universes: readonly string[], calendar: CalendarOptions, now: Date): RunPlan {
  return {
    runDate: latestCompletedTradingDay(now, { ...calendar, timeZone: MARKET_TIME_ZONE }),
    phases: [...PHASES],
    universes: [...new Set(universes)],
  };
}

/** How a run's universes are named in events, logs and history. */
export function universeLabel(universes: readonly string[]): string {
  return universes.join(",");
}

/** A phase's result as stored (snake_case keys, from the phase service's result message). */
export type PhaseResult = Record<string, unknown>;

export interface RunCounts {
  symbolsProcessed: number;
  indicatorsCalculated: number;
  patternsDetected: number;
}

const count = (result: PhaseResult | undefined, key: string): number | undefined => {
  const v = result?.[key];
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined;
};

/**
 * History counts from the phases' results. `symbols_processed` is the number of the run's
 * universe members the analytics processed (indicators, else patterns), because the run's
 * universe is what a user asked for; a run without analytics phases counts the symbols the
 * import stored (the whole market, not only the universe).
 */
export function runCounts(results: Partial<Record<PhaseName, PhaseResult>>): RunCounts {
  return {
    symbolsProcessed:
      count(results.indicators, "successful_symbols") ??
      count(results.patterns, "successful_symbols") ??
      count(results.import, "successful_symbols") ??
      0,
    indicatorsCalculated: count(results.indicators, "indicators_calculated") ?? 0,
    patternsDetected: count(results.patterns, "patterns_detected") ?? 0,
  };
}

/** Sorted union of the members of several universes. */
export function unionSymbols(lists: readonly (readonly string[])[]): string[] {
  return [...new Set(lists.flat())].sort();
}

/** Delay before retry `attempt` (1 = first retry): base · 2^(attempt-1), capped at max. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}
