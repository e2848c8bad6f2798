// Semantic checks of the gRPC requests, at the top of each handler: a bad value is
// InvalidArgument naming its field, and never reaches SQL or a job.
import { invalidArgument } from "@tickstock/common/errors.ts";
import { isValidIsoDate } from "@tickstock/common/trading-calendar.ts";
import type { SyncMode } from "./universes/types.ts";

export const MODES: readonly SyncMode[] = ["full", "market_cap", "themes", "ipos"];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `undefined` (not given) means full; anything given must be one of MODES. */
export function parseMode(mode: string | undefined, field = "mode"): SyncMode {
  if (mode === undefined) return "full";
  if (!(MODES as readonly string[]).includes(mode)) throw invalidArgument(field, `${field} must be one of ${MODES.join(", ")}`);
  return mode as SyncMode;
}

export function parseJobId(jobId: string): string {
  if (!UUID.test(jobId)) throw invalidArgument("job_id", "job_id must be a UUID");
  return jobId.toLowerCase();
}

export interface Page {
  limit: number;
  offset: number;
}

export function parsePage(req: { limit?: number; offset?: number }): Page {
  const limit = req.limit ?? 10;
  const offset = req.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalidArgument("limit", "limit must be between 1 and 100");
  if (!Number.isInteger(offset) || offset < 0) throw invalidArgument("offset", "offset must be 0 or more");
  return { limit, offset };
}

export function parseRunId(runId: string): string {
  if (runId.trim() === "") throw invalidArgument("run_id", "run_id is required");
  if (runId.length > 100) throw invalidArgument("run_id", "run_id is longer than 100 characters");
  return runId;
}

/** "" means "the latest completed trading day" (null). */
export function parseRunDate(runDate: string): string | null {
  if (runDate === "") return null;
  if (!isValidIsoDate(runDate)) throw invalidArgument("run_date", "run_date must be a date YYYY-MM-DD");
  return runDate;
}

export function parseUniverseName(universe: string): string {
  if (universe === "" || universe.length > 100) throw invalidArgument("universe", "universe must be a name of 1 to 100 characters");
  return universe;
}
