// Stored rows as the API's messages (CONTRACT §2.1). Unset optional fields stay unset, so the
// gateway writes them as null; progress is set only while the job runs.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type {
  GetJobResponseSchema,
  JobSummarySchema,
  SyncPhaseResultSchema,
  UniverseStatSchema,
} from "@tickstock/gen/tickstock/cachesync/v1/cache_sync_pb.js";
import { jobSteps, LOAD_STEP, progressAt, progressOf } from "./progress.ts";
import type { JobRow, UniverseStatRow } from "./store.ts";

const ts = (d: Date | null) => (d ? timestampFromDate(d) : undefined);
const opt = <T>(v: T | null) => (v === null ? undefined : v);
const seconds = (v: number | null) => (v === null ? undefined : Math.round(v * 1000) / 1000);

/** What a job's full view and its history line both say. */
function jobBasics(job: JobRow) {
  return {
    jobId: job.job_id,
    mode: job.mode,
    status: job.status,
    createdAt: ts(job.created_at),
    startTime: ts(job.start_time),
    endTime: ts(job.end_time),
    durationSeconds: seconds(job.duration_seconds),
    triggeredBy: job.triggered_by,
  };
}

export function jobView(job: JobRow): MessageInitShape<typeof GetJobResponseSchema> {
  return {
    ...jobBasics(job),
    errorDetails: opt(job.error_details),
    progress: job.status === "running" ? progressView(job) : undefined,
    totalChanges: opt(job.total_changes),
    universesUpdated: job.universes_updated ?? [],
  };
}

/** A job claimed a moment ago has not written its progress yet: it is loading its input. */
function progressView(job: JobRow) {
  if (job.progress_total === 0 || job.current_task === null) return progressAt(jobSteps(job.mode), LOAD_STEP);
  return progressOf(job.current_task, job.progress_completed, job.progress_total);
}

export function jobSummary(job: JobRow): MessageInitShape<typeof JobSummarySchema> {
  return {
    ...jobBasics(job),
    hasErrors: job.status === "failed" || job.status === "error" || job.error_details !== null,
  };
}

export function phaseResult(job: JobRow): MessageInitShape<typeof SyncPhaseResultSchema> {
  return {
    jobId: job.job_id,
    status: job.status,
    totalChanges: job.total_changes ?? 0,
    universesUpdated: job.universes_updated ?? [],
    durationSeconds: seconds(job.duration_seconds) ?? 0,
    errorDetails: job.error_details ?? "",
  };
}

export function universeStat(row: UniverseStatRow): MessageInitShape<typeof UniverseStatSchema> {
  return { universe: row.universe, type: row.cache_type ?? "", symbolCount: row.symbol_count, lastUpdated: ts(row.updated_at) };
}

/** The trigger's message: the contract's "Cache synchronization (full) started" when it runs next. */
export function triggerMessage(mode: string, created: boolean, ahead: number): string {
  if (!created) return `Cache synchronization (${mode}) already queued: this is the pending job`;
  if (ahead === 0) return `Cache synchronization (${mode}) started`;
  return `Cache synchronization (${mode}) queued behind ${ahead} job${ahead === 1 ? "" : "s"}`;
}
