import { bar, duration, percent } from "./format.ts";

/**
 * What `tickstock run --watch` shows: one line per phase, fed by the run's events (CONTRACT §3).
 * Pure: a reducer over event envelopes and a renderer; watch.ts draws it.
 */

export type PhaseState = "pending" | "running" | "completed" | "failed" | "cancelled" | "not run";

export interface PhaseView {
  name: string;
  state: PhaseState;
  percent: number;
  detail: string;
}

export interface RunOutcome {
  status: "completed" | "failed" | "cancelled";
  error?: string;
  durationSeconds: number;
  symbols: number;
  indicators: number;
  patterns: number;
}

export interface RunView {
  runId: string;
  runDate?: string;
  phases: PhaseView[];
  outcome?: RunOutcome;
}

export interface EventEnvelope {
  event: string;
  timestamp?: string;
  payload: Record<string, unknown>;
}

const PHASE_EVENTS: Record<string, [phase: string, step: "started" | "progress" | "completed"]> = {
  import_started: ["import", "started"],
  import_progress: ["import", "progress"],
  import_completed: ["import", "completed"],
  cache_sync_started: ["cache_sync", "started"],
  cache_sync_progress: ["cache_sync", "progress"],
  cache_sync_phase_completed: ["cache_sync", "completed"],
  indicator_processing_started: ["indicators", "started"],
  indicator_progress: ["indicators", "progress"],
  indicator_processing_completed: ["indicators", "completed"],
  pattern_processing_started: ["patterns", "started"],
  pattern_progress: ["patterns", "progress"],
  pattern_processing_completed: ["patterns", "completed"],
};

const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

export function createRunView(runId: string, phases: readonly string[]): RunView {
  return { runId, phases: phases.map((name) => ({ name, state: "pending", percent: 0, detail: "" })) };
}

function progressDetail(event: string, p: Record<string, unknown>): string {
  if (event === "cache_sync_progress") return `${String(p.current_task ?? "")} (${num(p.completed)}/${num(p.total)})`;
  const eta = num(p.eta_seconds) > 0 ? `, eta ${duration(num(p.eta_seconds))}` : "";
  return `${num(p.completed_symbols)}/${num(p.total_symbols)} symbols${eta}`;
}

function completedDetail(event: string, p: Record<string, unknown>): string {
  const took = `in ${duration(num(p.duration_seconds))}`;
  switch (event) {
    case "import_completed":
      return `${num(p.successful_symbols)} symbols, ${num(p.bars_written)} bars written ${took}`;
    case "cache_sync_phase_completed":
      return `${num(p.total_changes)} changes, ${Array.isArray(p.universes_updated) ? p.universes_updated.length : 0} universes updated ${took}`;
    case "indicator_processing_completed":
      return `${num(p.indicators_calculated)} indicators for ${num(p.total_symbols)} symbols ${took}`;
    default:
      return `${num(p.patterns_detected)} patterns in ${num(p.total_symbols)} symbols ${took}`;
  }
}

function withPhase(view: RunView, name: string, change: (p: PhaseView) => PhaseView): RunView {
  const phases = view.phases.some((p) => p.name === name) ? view.phases : [...view.phases, { name, state: "pending" as const, percent: 0, detail: "" }];
  return { ...view, phases: phases.map((p) => (p.name === name ? change(p) : p)) };
}

/** The view after one of the run's events; events of other runs or unknown events change nothing. */
export function applyEvent(view: RunView, envelope: EventEnvelope): RunView {
  const p = envelope.payload;
  if (p.run_id !== view.runId) return view;
  if (envelope.event === "processing_started") {
    const planned = Array.isArray(p.phases) ? p.phases.map(String) : [];
    const known = new Map(view.phases.map((ph) => [ph.name, ph]));
    const phases = planned.length > 0 ? planned.map((name) => known.get(name) ?? { name, state: "pending" as const, percent: 0, detail: "" }) : view.phases;
    return { ...view, runDate: typeof p.run_date === "string" ? p.run_date : view.runDate, phases };
  }
  const step = PHASE_EVENTS[envelope.event];
  if (step) {
    const [name, kind] = step;
    return withPhase(view, name, (ph) => {
      if (kind === "started") return { ...ph, state: "running", percent: 0, detail: p.total_symbols !== undefined ? `0/${num(p.total_symbols)} symbols` : "" };
      if (kind === "progress") return { ...ph, state: "running", percent: num(p.percent_complete), detail: progressDetail(envelope.event, p) };
      const failed = typeof p.status === "string" && p.status !== "completed";
      return { ...ph, state: failed ? "failed" : "completed", percent: failed ? ph.percent : 100, detail: completedDetail(envelope.event, p) };
    });
  }
  const end = /^processing_(completed|failed|cancelled)$/.exec(envelope.event);
  if (end) {
    const status = end[1] as RunOutcome["status"];
    const phases = view.phases.map((ph): PhaseView => {
      if (ph.state === "running") return { ...ph, state: status === "completed" ? "completed" : status === "failed" ? "failed" : "cancelled" };
      if (ph.state === "pending" && status !== "completed") return { ...ph, state: "not run" };
      return ph;
    });
    const outcome: RunOutcome = {
      status,
      durationSeconds: num(p.duration_seconds),
      symbols: num(p.symbols_processed),
      indicators: num(p.indicators_calculated),
      patterns: num(p.patterns_detected),
      ...(typeof p.error === "string" ? { error: p.error } : {}),
    };
    return { ...view, phases, outcome };
  }
  return view;
}

export function renderPhase(phase: PhaseView, nameWidth = 10): string {
  return `  ${phase.name.padEnd(nameWidth)} ${bar(phase.percent)} ${percent(phase.percent).padStart(6)}  ${phase.state.padEnd(9)}  ${phase.detail}`.trimEnd();
}

export function renderRunView(view: RunView): string[] {
  const width = Math.max(10, ...view.phases.map((p) => p.name.length));
  return [`run ${view.runId}${view.runDate ? ` (${view.runDate})` : ""}`, ...view.phases.map((p) => renderPhase(p, width))];
}

export function renderOutcome(view: RunView): string {
  const o = view.outcome;
  if (!o) return `run ${view.runId} is still running`;
  const figures = `${o.symbols} symbols, ${o.indicators} indicators, ${o.patterns} patterns`;
  return `run ${view.runId} ${o.status} in ${duration(o.durationSeconds)}: ${figures}${o.error ? ` (${o.error})` : ""}`;
}
