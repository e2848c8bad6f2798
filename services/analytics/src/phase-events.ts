// A phase's events, exactly CONTRACT §3: started, progress (at most one per interval), completed,
// and on tickstock:errors a warning per skipped symbol (up to a cap, then one summary) or an
// error when the phase fails. Per-batch events (indicator_calculated, pattern_detected) are in
// phase-output.ts.
import type { EventPublisher } from "@tickstock/common/events.ts";
import type { PhaseKind, Skip } from "./batch.ts";
import { createThrottle, progressOf, successRate, type PhaseProgressView } from "./progress.ts";

export interface PhaseCounts {
  totalSymbols: number;
  successfulSymbols: number;
  skippedSymbols: number;
  /** Indicator values (indicators) or detections (patterns) stored. */
  results: number;
  durationSeconds: number;
}

const NAMES = {
  indicators: { started: "indicator_processing_started", progress: "indicator_progress" },
  patterns: { started: "pattern_processing_started", progress: "pattern_progress" },
} as const;

export interface PhaseEventOptions {
  /** Minimum milliseconds between progress events (default 250). */
  progressIntervalMs?: number;
  /** Skipped symbols reported one by one (default 25). */
  maxSkipWarnings?: number;
}

export function createPhaseEvents(
  publisher: EventPublisher,
  kind: PhaseKind,
  req: { runId: string; runDate: string; universe: string },
  total: number,
  opts: PhaseEventOptions,
) {
  const names = NAMES[kind];
  const context = { run_id: req.runId, run_date: req.runDate, phase: kind };
  const throttle = createThrottle(opts.progressIntervalMs ?? 250);
  const cap = opts.maxSkipWarnings ?? 25;
  const skippedBy: Record<string, number> = {};
  let skipped = 0;
  let reported = -1;

  return {
    started(): void {
      publisher.publish(names.started, { run_id: req.runId, total_symbols: total, run_date: req.runDate, universe: req.universe });
    },

    /** Publishes progress when due (always when `force`); answers it, or null when not due. */
    progress(completed: number, elapsedSeconds: number, force = false): PhaseProgressView | null {
      if (completed === reported || (!force && !throttle(performance.now()))) return null;
      const p = progressOf(completed, total, elapsedSeconds);
      publisher.publish(names.progress, { run_id: req.runId, completed_symbols: p.completedSymbols, total_symbols: p.totalSymbols, percent_complete: p.percentComplete, eta_seconds: p.etaSeconds });
      reported = completed;
      return p;
    },

    skipped(symbol: string, skip: Skip): void {
      skipped++;
      skippedBy[skip.code] = (skippedBy[skip.code] ?? 0) + 1;
      if (skipped > cap) return;
      publisher.publish("error", {
        severity: "warning",
        component: "analytics",
        error_code: "SYMBOL_SKIPPED",
        message: `${symbol} skipped by the ${kind} phase for ${req.runDate}: ${skip.reason}`,
        context: { ...context, symbol, reason_code: skip.code, reason: skip.reason },
      });
    },

    completed(c: PhaseCounts): void {
      if (skipped > cap) {
        publisher.publish("error", {
          severity: "warning",
          component: "analytics",
          error_code: "SYMBOLS_SKIPPED",
          message: `${skipped} symbols skipped by the ${kind} phase for ${req.runDate} (${cap} reported one by one)`,
          context: { ...context, skipped, by_reason: skippedBy },
        });
      }
      const common = {
        run_id: req.runId,
        run_date: req.runDate,
        total_symbols: c.totalSymbols,
        successful_symbols: c.successfulSymbols,
        skipped_symbols: c.skippedSymbols,
        duration_seconds: Math.round(c.durationSeconds * 1000) / 1000,
      };
      if (kind === "indicators") publisher.publish("indicator_processing_completed", { ...common, indicators_calculated: c.results });
      else publisher.publish("pattern_processing_completed", { ...common, patterns_detected: c.results, success_rate: successRate(c.successfulSymbols, c.totalSymbols) });
    },

    failed(message: string): void {
      publisher.publish("error", {
        severity: "error",
        component: "analytics",
        error_code: kind === "indicators" ? "INDICATORS_FAILED" : "PATTERNS_FAILED",
        message: `${kind} phase for ${req.runDate} failed: ${message}`,
        context,
      });
    },
  };
}
