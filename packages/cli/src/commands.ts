import type { DescMessage, Message } from "@bufbuild/protobuf";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { contractJson } from "@tickstock/common/contract-json.ts";
import { progressBar } from "@tickstock/common/progress.ts";
import { GetJobResponseSchema, ListJobsResponseSchema, TriggerSyncResponseSchema } from "@tickstock/gen/tickstock/cachesync/v1/cache_sync_pb.js";
import {
  GetScheduleResponseSchema,
  GetStatusResponseSchema,
  ListRunsResponseSchema,
  UpdateScheduleResponseSchema,
  type GetScheduleResponse,
  type RunSummary,
} from "@tickstock/gen/tickstock/coordinator/v1/coordinator_pb.js";
import type { Command } from "./args.ts";
import type { Gateway } from "./client.ts";
import type { CliConfig } from "./config.ts";
import { duration, keyValues, percent, table, timestamp } from "./format.ts";

/** What every command gets: where to write, the gateway, the configuration, Ctrl-C. */
export interface Context {
  out: NodeJS.WriteStream;
  cfg: CliConfig;
  gateway: Gateway;
  json: boolean;
  signal: AbortSignal;
}

/** A run or job that ended badly: one line on stderr, exit 1. */
export class OutcomeError extends Error {
  override readonly name = "OutcomeError";
}

export const INTERRUPTED = 130;

/** The answer as the REST API gives it (CONTRACT §2 JSON: proto field names, null for no value). */
export function printJson(ctx: Context, schema: DescMessage, message: Message): void {
  ctx.out.write(`${JSON.stringify(contractJson(schema, message))}\n`);
}

const ts = (t: Timestamp | undefined) => (t ? timestamp(timestampDate(t)) : "-");

function runLine(run: RunSummary): string {
  const figures = `${run.symbolsProcessed} symbols, ${run.indicatorsCalculated} indicators, ${run.patternsDetected} patterns`;
  return `${run.runId} ${run.runDate} ${run.status}${run.durationSeconds !== undefined ? ` in ${duration(run.durationSeconds)}` : ""}: ${figures}${run.error ? ` (${run.error})` : ""}`;
}

export async function status(ctx: Context): Promise<number> {
  const res = await ctx.gateway.coordinator.getStatus({}, { signal: ctx.signal });
  if (ctx.json) return (printJson(ctx, GetStatusResponseSchema, res), 0);
  const lines = [
    keyValues([
      ["Status", res.status],
      ["Run", res.runId ? `${res.runId} (${res.runDate})` : null],
      ["Current phase", res.currentPhase],
      ["Last run", res.lastRun ? runLine(res.lastRun) : null],
    ]),
  ];
  if (res.phases.length > 0) {
    lines.push("", table(["PHASE", "STATUS", "PROGRESS", "STARTED", "ENDED"], res.phases.map((p) => [p.name, p.status, percent(p.percentComplete), ts(p.startedAt), ts(p.endedAt)])));
  }
  ctx.out.write(`${lines.join("\n")}\n`);
  return 0;
}

export async function history(ctx: Context, cmd: Extract<Command, { name: "history" }>): Promise<number> {
  const res = await ctx.gateway.coordinator.listRuns({ days: cmd.days }, { signal: ctx.signal });
  if (ctx.json) return (printJson(ctx, ListRunsResponseSchema, res), 0);
  const rows = res.runs.map((r) => [r.runId, r.runDate, r.status, r.triggerType, ts(r.startTime), duration(r.durationSeconds), r.symbolsProcessed, r.indicatorsCalculated, r.patternsDetected]);
  ctx.out.write(`${table(["RUN ID", "DATE", "STATUS", "TRIGGER", "STARTED", "DURATION", "SYMBOLS", "INDICATORS", "PATTERNS"], rows)}\n`);
  if (rows.length === 0) ctx.out.write(`no runs in the last ${cmd.days ?? 7} days\n`);
  return 0;
}

function scheduleText(s: Pick<GetScheduleResponse, "enabled" | "triggerTime" | "timezone" | "nextRun" | "universes">): string {
  return keyValues([
    ["Enabled", s.enabled],
    ["Time", `${s.triggerTime} ${s.timezone}`],
    ["Next run", s.nextRun ? ts(s.nextRun) : null],
    ["Universes", s.universes.join(", ")],
  ]);
}

export async function schedule(ctx: Context): Promise<number> {
  const res = await ctx.gateway.coordinator.getSchedule({}, { signal: ctx.signal });
  if (ctx.json) return (printJson(ctx, GetScheduleResponseSchema, res), 0);
  ctx.out.write(`${scheduleText(res)}\n`);
  return 0;
}

export async function scheduleSet(ctx: Context, cmd: Extract<Command, { name: "schedule set" }>): Promise<number> {
  const res = await ctx.gateway.coordinator.updateSchedule(
    { enabled: cmd.enabled, triggerTime: cmd.time, timezone: cmd.timezone, universes: cmd.universes ?? [] },
    { signal: ctx.signal },
  );
  if (ctx.json) return (printJson(ctx, UpdateScheduleResponseSchema, res), 0);
  ctx.out.write(`schedule updated\n${scheduleText(res)}\n`);
  return 0;
}

const JOB_DONE = new Set(["completed", "failed", "error"]);

async function watchJob(ctx: Context, jobId: string): Promise<number> {
  const bar = ctx.json ? null : progressBar(ctx.out);
  while (!ctx.signal.aborted) {
    const job = await ctx.gateway.cacheSync.getJob({ jobId }, { signal: ctx.signal });
    if (ctx.json) printJson(ctx, GetJobResponseSchema, job);
    if (job.progress) bar?.update(job.progress.percentComplete, `${job.progress.currentTask} (${job.progress.completed}/${job.progress.total})`);
    if (JOB_DONE.has(job.status)) {
      const summary = `job ${job.jobId} ${job.status} in ${duration(job.durationSeconds)}${job.totalChanges !== undefined ? `: ${job.totalChanges} changes` : ""}`;
      if (job.status !== "completed") throw new OutcomeError(`${summary}${job.errorDetails ? ` (${job.errorDetails})` : ""}`);
      bar?.done(summary);
      return 0;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return INTERRUPTED;
}

export async function cacheSyncTrigger(ctx: Context, cmd: Extract<Command, { name: "cache-sync trigger" }>): Promise<number> {
  const res = await ctx.gateway.cacheSync.triggerSync({ mode: cmd.mode, force: cmd.force || undefined }, { signal: ctx.signal });
  if (ctx.json) printJson(ctx, TriggerSyncResponseSchema, res);
  else ctx.out.write(`job ${res.jobId} (${res.mode}): ${res.message}\n`);
  return cmd.watch ? watchJob(ctx, res.jobId) : 0;
}

export async function cacheSyncStatus(ctx: Context, cmd: Extract<Command, { name: "cache-sync status" }>): Promise<number> {
  const job = await ctx.gateway.cacheSync.getJob({ jobId: cmd.jobId }, { signal: ctx.signal });
  if (ctx.json) return (printJson(ctx, GetJobResponseSchema, job), 0);
  ctx.out.write(
    `${keyValues([
      ["Job", job.jobId],
      ["Mode", job.mode],
      ["Status", job.status],
      ["Triggered by", job.triggeredBy],
      ["Created", ts(job.createdAt)],
      ["Started", ts(job.startTime)],
      ["Ended", ts(job.endTime)],
      ["Duration", duration(job.durationSeconds)],
      ["Progress", job.progress ? `${percent(job.progress.percentComplete)} ${job.progress.currentTask} (${job.progress.completed}/${job.progress.total})` : null],
      ["Changes", job.totalChanges],
      ["Universes updated", job.universesUpdated.join(", ")],
      ["Error", job.errorDetails],
    ])}\n`,
  );
  return 0;
}

export async function cacheSyncHistory(ctx: Context, cmd: Extract<Command, { name: "cache-sync history" }>): Promise<number> {
  const res = await ctx.gateway.cacheSync.listJobs({ limit: cmd.limit, offset: cmd.offset }, { signal: ctx.signal });
  if (ctx.json) return (printJson(ctx, ListJobsResponseSchema, res), 0);
  const rows = res.jobs.map((j) => [j.jobId, j.mode, j.status, j.triggeredBy, ts(j.createdAt), duration(j.durationSeconds), j.hasErrors]);
  ctx.out.write(`${table(["JOB ID", "MODE", "STATUS", "TRIGGERED BY", "CREATED", "DURATION", "ERRORS"], rows)}\n`);
  ctx.out.write(`${res.jobs.length === 0 ? "no jobs" : `jobs ${res.offset + 1}-${res.offset + res.jobs.length}`} of ${res.total}\n`);
  return 0;
}
