import { describe, expect, it } from "vitest";
import { applyEvent, createRunView, renderOutcome, renderRunView, type EventEnvelope, type RunView } from "./board.ts";

const RUN = "11111111-1111-4111-8111-111111111111";
const ev = (event: string, payload: Record<string, unknown>): EventEnvelope => ({ event, payload: { run_id: RUN, ...payload } });
const feed = (view: RunView, events: EventEnvelope[]) => events.reduce(applyEvent, view);

describe("run view", () => {
  it("takes its phases from processing_started, in the run's order", () => {
    const view = feed(createRunView(RUN, []), [ev("processing_started", { run_date: "2025-01-24", phases: ["import", "indicators"], status: "running" })]);
    expect(view.runDate).toBe("2025-01-24");
    expect(view.phases.map((p) => [p.name, p.state])).toEqual([["import", "pending"], ["indicators", "pending"]]);
  });

  it("moves a phase from pending through its progress to completed", () => {
    let view = createRunView(RUN, ["import", "cache_sync"]);
    view = applyEvent(view, ev("import_started", { run_date: "2025-01-24", total_symbols: 400 }));
    expect(view.phases[0]).toMatchObject({ state: "running", percent: 0, detail: "0/400 symbols" });
    view = applyEvent(view, ev("import_progress", { completed_symbols: 100, total_symbols: 400, percent_complete: 25, current_symbol: "AAPL", eta_seconds: 75 }));
    expect(view.phases[0]).toMatchObject({ state: "running", percent: 25, detail: "100/400 symbols, eta 1m 15s" });
    view = applyEvent(view, ev("import_completed", { successful_symbols: 400, failed_symbols: 0, bars_written: 1200, duration_seconds: 4.25 }));
    expect(view.phases[0]).toMatchObject({ state: "completed", percent: 100, detail: "400 symbols, 1200 bars written in 4.3s" });
    view = applyEvent(view, ev("cache_sync_progress", { job_id: "j", current_task: "themes", completed: 2, total: 5, percent_complete: 40 }));
    expect(view.phases[1]).toMatchObject({ state: "running", percent: 40, detail: "themes (2/5)" });
    expect(view.phases[0]!.state).toBe("completed");
  });

  it("shows a failed cache-sync phase as failed", () => {
    const view = applyEvent(createRunView(RUN, ["cache_sync"]), ev("cache_sync_phase_completed", { job_id: "j", status: "failed", total_changes: 0, universes_updated: [], duration_seconds: 1 }));
    expect(view.phases[0]!.state).toBe("failed");
  });

  it("ignores other runs' events and events it does not know", () => {
    const view = createRunView(RUN, ["import"]);
    expect(applyEvent(view, { event: "import_progress", payload: { run_id: "other", percent_complete: 50 } })).toBe(view);
    expect(applyEvent(view, ev("indicator_calculated", { symbol: "A" }))).toBe(view);
  });

  it("ends with the run's outcome: running phases take it, phases never started are marked not run", () => {
    let view = feed(createRunView(RUN, ["import", "indicators", "patterns"]), [
      ev("import_completed", { successful_symbols: 1, bars_written: 1, duration_seconds: 1 }),
      ev("indicator_progress", { completed_symbols: 5, total_symbols: 10, percent_complete: 50, eta_seconds: 0 }),
    ]);
    view = applyEvent(view, ev("processing_failed", { status: "failed", duration_seconds: 90, symbols_processed: 10, indicators_calculated: 40, patterns_detected: 0, error: "analytics unavailable" }));
    expect(view.phases.map((p) => p.state)).toEqual(["completed", "failed", "not run"]);
    expect(renderOutcome(view)).toBe(`run ${RUN} failed in 1m 30s: 10 symbols, 40 indicators, 0 patterns (analytics unavailable)`);
  });

  it("renders one aligned line per phase", () => {
    const view = feed(createRunView(RUN, ["import", "cache_sync"]), [ev("import_progress", { completed_symbols: 1, total_symbols: 2, percent_complete: 50, eta_seconds: 0 })]);
    expect(renderRunView(view)).toEqual([
      `run ${RUN}`,
      "  import     [############............]  50.0%  running    1/2 symbols",
      "  cache_sync [........................]   0.0%  pending",
    ]);
  });
});
