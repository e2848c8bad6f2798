// Which tasks each sync mode runs, in the order they run. Rebuilds come first so the clean-up
// sees the final state, and it covers the universes no task of the mode rebuilt (themes in a
// market_cap sync). IPO assignment follows theme rebalancing so new IPOs survive a rebalance.
import type { SyncMode, TaskName } from "./types.ts";

const TASKS: Record<SyncMode, readonly TaskName[]> = {
  full: ["market_cap_recalculation", "theme_rebalancing", "ipo_universe_assignment", "delisted_cleanup"],
  market_cap: ["market_cap_recalculation", "delisted_cleanup"],
  themes: ["theme_rebalancing"],
  ipos: ["ipo_universe_assignment"],
};

export function tasksForMode(mode: SyncMode): TaskName[] {
  return [...TASKS[mode]];
}
