import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { CalendarOptions } from "@tickstock/common/trading-calendar.ts";
import { universeLabel } from "./run-plan.ts";
import { nextRunOf, type Schedule } from "./schedule.ts";
import type { PhaseRow, RunRow } from "./store/index.ts";

/** Stored rows → response messages (and event payloads) of the contract's shape. */

const ts = (d: Date | null) => (d ? timestampFromDate(d) : undefined);
const round1 = (n: number) => Math.round(n * 10) / 10;

/** RFC 3339 UTC without fractional seconds, as the contract writes timestamps. */
export const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

export function runSummary(r: RunRow) {
  return {
    runId: r.run_id,
    runDate: r.run_date,
    startTime: ts(r.started_at),
    endTime: ts(r.ended_at),
    status: r.status,
    symbolsProcessed: r.symbols_processed,
    patternsDetected: r.patterns_detected,
    indicatorsCalculated: r.indicators_calculated,
    durationSeconds: r.duration_seconds === null ? undefined : round1(r.duration_seconds),
    universe: universeLabel(r.universes),
    triggerType: r.trigger_type,
    error: r.error ?? undefined,
  };
}

export function phaseStatus(p: PhaseRow) {
  return {
    name: p.phase,
    status: p.status,
    startedAt: ts(p.started_at),
    endedAt: ts(p.ended_at),
    percentComplete: round1(p.percent_complete),
  };
}

/** The phase a running run is in: the running one, else the next pending one. */
export function currentPhase(phases: readonly PhaseRow[]): string | undefined {
  return (phases.find((p) => p.status === "running") ?? phases.find((p) => p.status === "pending"))?.phase;
}

export function scheduleView(s: Schedule, now: Date, calendar: CalendarOptions) {
  const next = nextRunOf(s, now, calendar);
  return {
    message: { enabled: s.enabled, triggerTime: s.triggerTime, timezone: s.timezone, nextRun: ts(next), universes: s.universes },
    event: { enabled: s.enabled, trigger_time: s.triggerTime, timezone: s.timezone, next_run: next ? rfc3339(next) : null, universes: s.universes },
  };
}
