import { describe, expect, it } from "vitest";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { JobRow } from "./store.ts";
import { jobSummary, jobView, phaseResult, triggerMessage, universeStat } from "./views.ts";

const job = (over: Partial<JobRow> = {}): JobRow => ({
  job_id: "550e8400-e29b-41d4-a716-446655440000",
  mode: "full",
  force: false,
  status: "pending",
  triggered_by: "api",
  run_id: null,
  market_date: null,
  created_at: new Date("2025-01-25T16:10:00Z"),
  start_time: null,
  end_time: null,
  duration_seconds: null,
  error_details: null,
  current_task: null,
  progress_completed: 0,
  progress_total: 0,
  total_changes: null,
  universes_updated: null,
  rows_written: null,
  ...over,
});

describe("jobView", () => {
  it("leaves the unknowns of a pending job unset (null over REST)", () => {
    const view = jobView(job());
    expect(view).toMatchObject({ status: "pending", triggeredBy: "api", universesUpdated: [] });
    for (const key of ["startTime", "endTime", "durationSeconds", "errorDetails", "progress", "totalChanges"] as const) expect(view[key]).toBeUndefined();
    expect(timestampDate(view.createdAt as never).toISOString()).toBe("2025-01-25T16:10:00.000Z");
  });

  it("shows progress while running", () => {
    const view = jobView(job({ status: "running", start_time: new Date(), current_task: "market_cap_recalculation", progress_completed: 1, progress_total: 5 }));
    expect(view.progress).toEqual({ currentTask: "market_cap_recalculation", completed: 1, total: 5, percentComplete: 20 });
  });

  it("shows a job claimed a moment ago as loading its input", () => {
    expect(jobView(job({ status: "running", start_time: new Date() })).progress).toEqual({ currentTask: "load_input", completed: 0, total: 5, percentComplete: 0 });
  });

  it("has no progress once ended, and carries the results", () => {
    const view = jobView(job({ status: "completed", current_task: null, progress_completed: 5, progress_total: 5, duration_seconds: 0.12345, total_changes: 7, universes_updated: ["mega_cap"] }));
    expect(view.progress).toBeUndefined();
    expect(view).toMatchObject({ durationSeconds: 0.123, totalChanges: 7, universesUpdated: ["mega_cap"] });
  });
});

describe("jobSummary", () => {
  it("flags failed and error jobs as having errors", () => {
    expect(jobSummary(job({ status: "completed" })).hasErrors).toBe(false);
    expect(jobSummary(job({ status: "failed", error_details: "x" })).hasErrors).toBe(true);
    expect(jobSummary(job({ status: "error" })).hasErrors).toBe(true);
  });
});

describe("phaseResult", () => {
  it("gives zeros and an empty error for a job without results", () => {
    expect(phaseResult(job({ status: "error", error_details: null }))).toEqual({
      jobId: "550e8400-e29b-41d4-a716-446655440000", status: "error", totalChanges: 0, universesUpdated: [], durationSeconds: 0, errorDetails: "",
    });
  });
});

describe("universeStat", () => {
  it("maps a row, with an empty type for an untyped row", () => {
    expect(universeStat({ universe: "x", cache_type: null, symbol_count: 3, updated_at: null })).toEqual({ universe: "x", type: "", symbolCount: 3, lastUpdated: undefined });
  });
});

describe("triggerMessage", () => {
  it("says started, as the contract does, when nothing runs before it", () => {
    expect(triggerMessage("full", true, 0)).toBe("Cache synchronization (full) started");
  });

  it("says queued behind the jobs ahead, or already queued when joining a pending job", () => {
    expect(triggerMessage("themes", true, 1)).toBe("Cache synchronization (themes) queued behind 1 job");
    expect(triggerMessage("themes", true, 2)).toBe("Cache synchronization (themes) queued behind 2 jobs");
    expect(triggerMessage("ipos", false, 1)).toBe("Cache synchronization (ipos) already queued: this is the pending job");
  });
});
