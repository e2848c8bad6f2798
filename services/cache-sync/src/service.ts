import type pg from "pg";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { notFound } from "@tickstock/common/errors.ts";
import type { CacheSyncService, GetJobRequest, GetUniverseRequest, ListJobsRequest, RunSyncPhaseRequest, TriggerSyncRequest } from "@tickstock/gen/tickstock/cachesync/v1/cache_sync_pb.js";
import { MANAGED_TYPES, symbolsOf } from "./entries.ts";
import { parseJobId, parseMode, parsePage, parseRunDate, parseRunId, parseUniverseName } from "./requests.ts";
import type { JobRunner } from "./runner.ts";
import * as store from "./store.ts";
import { jobSummary, jobView, phaseResult, triggerMessage, universeStat } from "./views.ts";

export interface CacheSyncServiceDeps {
  pool: pg.Pool;
  runner: JobRunner;
}

export function createCacheSyncService(deps: CacheSyncServiceDeps): ServiceImpl<typeof CacheSyncService> {
  return {
    async triggerSync(req: TriggerSyncRequest) {
      const mode = parseMode(req.mode);
      const { job, created, ahead } = await deps.runner.trigger({ mode, force: req.force ?? false, triggeredBy: "api" });
      return { success: true, jobId: job.job_id, mode: job.mode, message: triggerMessage(job.mode, created, ahead) };
    },

    async getJob(req: GetJobRequest) {
      const jobId = parseJobId(req.jobId);
      const job = await store.getJob(deps.pool, jobId);
      if (!job) throw notFound("job", jobId);
      return jobView(job);
    },

    async listJobs(req: ListJobsRequest) {
      const { limit, offset } = parsePage(req);
      const { jobs, total } = await store.listJobs(deps.pool, limit, offset);
      return { jobs: jobs.map(jobSummary), total, limit, offset };
    },

    async getStats() {
      const [universes, stats] = await Promise.all([store.listUniverseStats(deps.pool, MANAGED_TYPES), store.jobStatistics7d(deps.pool)]);
      return {
        universes: universes.map(universeStat),
        jobStatistics: {
          totalJobs7d: stats.total,
          successfulJobs7d: stats.successful,
          failedJobs7d: stats.failed,
          avgDurationSeconds: stats.avgDurationSeconds === null ? undefined : Math.round(stats.avgDurationSeconds * 1000) / 1000,
        },
      };
    },

    async *runSyncPhase(req: RunSyncPhaseRequest, ctx: HandlerContext) {
      const runId = parseRunId(req.runId);
      const mode = parseMode(req.mode || undefined);
      const marketDate = parseRunDate(req.runDate);
      const { job } = await deps.runner.trigger({ mode, force: req.force, triggeredBy: "pipeline", runId, marketDate });
      try {
        for await (const update of deps.runner.watch(job.job_id, ctx.signal)) {
          if (update.kind === "progress") yield { event: { case: "progress", value: update.progress } };
          else yield { event: { case: "result", value: phaseResult(update.job) } };
        }
      } finally {
        if (ctx.signal.aborted) await deps.runner.cancel(job.job_id, "cancelled: the processing run stopped waiting for this phase");
      }
    },

    async listUniverses() {
      const rows = await store.listUniverseStats(deps.pool, null);
      return { universes: rows.map(universeStat) };
    },

    async getUniverse(req: GetUniverseRequest) {
      const name = parseUniverseName(req.universe);
      const row = await store.getUniverse(deps.pool, name);
      if (!row) throw notFound("universe", name);
      return { universe: row.universe, type: row.cache_type ?? "", symbols: symbolsOf(row.symbols), lastUpdated: row.updated_at ? timestampFromDate(row.updated_at) : undefined };
    },
  };
}
