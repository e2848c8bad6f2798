// A job's progress as AppV2 sees it (CONTRACT §2.1): the steps are the mode's tasks, then the
// write of cache_entries, so `total` is the task count plus one (5 for `full`). `completed`
// counts the steps begun, the one in progress included — the contract's example shows
// market_cap_recalculation, the first step of a full sync, as 1 of 5 (20%) — so the write step
// shows 100% and the job completes right after it. Before the first step, while the input
// loads, the job shows `load_input` at 0.
import { tasksForMode } from "./universes/modes.ts";
import type { SyncMode } from "./universes/types.ts";

export const LOAD_STEP = "load_input";
export const WRITE_STEP = "write_cache_entries";

export interface JobProgressView {
  currentTask: string;
  completed: number;
  total: number;
  percentComplete: number;
}

export function jobSteps(mode: SyncMode): string[] {
  return [...tasksForMode(mode), WRITE_STEP];
}

/** Progress on entering `step` (LOAD_STEP or one of `steps`). */
export function progressAt(steps: readonly string[], step: string): JobProgressView {
  const index = step === LOAD_STEP ? -1 : steps.indexOf(step);
  if (step !== LOAD_STEP && index === -1) throw new RangeError(`${step} is not a step of this job`);
  return progressOf(step, index + 1, steps.length);
}

export function progressOf(currentTask: string, completed: number, total: number): JobProgressView {
  const percentComplete = total > 0 ? Math.round((1000 * Math.min(completed, total)) / total) / 10 : 0;
  return { currentTask, completed, total, percentComplete };
}
