// The cache-sync domain core: pure functions from (symbols, config, today) to universes.
export type * from "./types.ts";
export { tasksForMode } from "./modes.ts";
export { marketCapUniverses, bandOf, SECTOR_LEADERS_PREFIX } from "./market-cap.ts";
export { themeUniverses } from "./themes.ts";
export { ipoAssignment, isRecentIpo, RECENT_IPOS, type IpoResult } from "./ipo.ts";
export { delistedCleanup, type DelistedCleanup } from "./delisted.ts";
export { diffUniverse } from "./diff.ts";
export { checkSanity, checkLatestBars, checkLatestBarDate, checkSymbolList } from "./sanity.ts";
export { planSync, planSyncSteps, type CurrentUniverse, type PlannedUniverse, type SyncPlan, type SyncPlanInput, type UniverseChange } from "./plan-sync.ts";
export { parseDay } from "./dates.ts";
export { slugify } from "./ranking.ts";
