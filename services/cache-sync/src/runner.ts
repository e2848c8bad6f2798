import { EventEmitter } from "node:events";
import type { ActiveRun } from "@tickstock/common/system-metrics.ts";
import { JobStopped, publishJobEnd, runJob, type JobDeps } from "./job.ts";
import { progressOf, type JobProgressView } from "./progress.ts";
import * as store from "./store.ts";
import type { SyncMode } from "./universes/types.ts";

/**
 * The job queue: triggers insert `pending` jobs (joining a pending one of the same mode), one
 * worker runs them oldest first, one at a time. The worker holds a Postgres advisory lock while
 * it claims and runs a job, so a `running` row seen by the lock's holder belongs to a process
 * that died: it ends `failed` with the reason, and the pending jobs behind it run. Each job has
 * the configured timeout; a cancel or a timeout stops it at its next step and rolls its
 * transaction back.
 */

export interface RunnerDeps extends JobDeps {
  /** Publishes cache_sync_triggered for api and scheduler triggers (source `cache_sync_api`). */
  /** How often an idle worker looks for jobs another process queued (default 5 s). */
  pollIntervalMs?: number;
  /** How often a watcher re-reads a job run by another process (default 500 ms). */
  watchIntervalMs?: number;
}

export interface TriggerRequest {
  mode: SyncMode;
  force: boolean;
  triggeredBy: store.TriggeredBy;
  runId?: string | null;
  marketDate?: string | null;
}

export interface Triggered {
  job: store.JobRow;
  /** False when the trigger joined a job already waiting (same mode, or same run). */
  created: boolean;
  /** Jobs that run before it. */
  ahead: number;
}

export type JobUpdate = { kind: "progress"; progress: JobProgressView } | { kind: "end"; job: store.JobRow };

export interface JobRunner {
  trigger(req: TriggerRequest): Promise<Triggered>;
  /** Starts the worker: recovers what a dead process left, runs what is pending, then polls. */
  start(): void;
  /** The job's progress, then its end; returns early when `signal` aborts. */
  watch(jobId: string, signal: AbortSignal): AsyncGenerator<JobUpdate>;
  /** Stops a running job at its next step, or ends a pending one; no-op once it ended. */
  cancel(jobId: string, reason: string): Promise<void>;
  /** Stops taking jobs; a running job gets `graceMs` to finish, then is stopped. Pending jobs stay queued. */
  stop(graceMs: number): Promise<void>;
  /** The job this process runs now, or null (system_metrics' active_run). */
  activeJob(): ActiveRun | null;
}

const ORPHANED = "interrupted: the cache-sync process running this job stopped before it ended";
type Update = { kind: "progress"; progress: JobProgressView } | { kind: "end" };

export function createJobRunner(deps: RunnerDeps): JobRunner {
  const updates = new EventEmitter().setMaxListeners(0);
  let active: { jobId: string; runId: string | null; controller: AbortController } | null = null;
  let draining: Promise<void> | null = null;
  let again = false;
  let stopping = false;
  let poll: NodeJS.Timeout | undefined;

  function kick(): void {
    if (stopping) return;
    again = true;
    draining ??= (async () => {
      try {
        while (again && !stopping) {
          again = false;
          while (!stopping && (await runNext()));
        }
      } catch (err) {
        deps.log.error({ err }, "cache-sync worker failed; it retries on the next trigger or poll");
      } finally {
        draining = null;
      }
    })();
  }

  /** Runs `fn` holding the worker lock; false (without running it) when another process holds it. */
  async function withWorkerLock(fn: () => Promise<boolean>): Promise<boolean> {
    const client = await deps.pool.connect();
    let unlocked = true;
    try {
      if (!(await store.tryLockWorker(client))) return false; // another process runs jobs: it takes ours too
      unlocked = false;
      return await fn();
    } finally {
      if (!unlocked) unlocked = await store.unlockWorker(client).then(() => true, () => false);
      client.release(unlocked ? undefined : true); // a client that could not unlock is closed: its lock dies with it
    }
  }

  /** Ends jobs left `running` by a dead process: only the worker lock's holder can tell they are orphans. */
  async function failOrphans(): Promise<boolean> {
    const orphans = await store.failOrphanedJobs(deps.pool, ORPHANED);
    for (const row of orphans) endedElsewhere(row, "CACHE_SYNC_INTERRUPTED");
    if (orphans.length > 0) deps.log.warn({ jobs: orphans.map((o) => o.job_id) }, "jobs left running by a stopped process marked failed");
    return true;
  }

  /** Claims and runs the next job under the worker lock; false when there is nothing to do here. */
  async function runNext(): Promise<boolean> {
    return withWorkerLock(async () => {
      await failOrphans();
      const job = await store.claimNextJob(deps.pool);
      if (!job) return false;
      await execute(job);
      return true;
    });
  }

  async function execute(job: store.JobRow): Promise<void> {
    const controller = new AbortController();
    active = { jobId: job.job_id, runId: job.run_id, controller };
    const minutes = deps.cfg.timeoutMinutes;
    const timer = setTimeout(() => controller.abort(new JobStopped(`timed out after ${formatMinutes(minutes)}`, "CACHE_SYNC_TIMEOUT")), minutes * 60_000);
    try {
      await runJob(deps, job, { signal: controller.signal, onProgress: (progress) => updates.emit(job.job_id, { kind: "progress", progress } satisfies Update) });
    } finally {
      clearTimeout(timer);
      active = null;
      updates.emit(job.job_id, { kind: "end" } satisfies Update);
    }
  }

  function endedElsewhere(row: store.JobRow, errorCode: string | null): void {
    publishJobEnd((event, payload) => deps.publisher.publish(event, payload), row, errorCode);
    updates.emit(row.job_id, { kind: "end" } satisfies Update);
  }

  return {
    async trigger(req) {
      // A pipeline trigger joins its run's active job. One left `running` by a dead process (the
      // coordinator retrying after a crash, here or on another replica) must be ended first, or
      // the retry would wait for it and end "interrupted" too. While a live worker holds the
      // lock, a `running` job is its own and is joined.
      if (req.runId) await withWorkerLock(failOrphans);
      const newJob = { jobId: crypto.randomUUID(), mode: req.mode, force: req.force, triggeredBy: req.triggeredBy, runId: req.runId ?? null, marketDate: req.marketDate ?? null };
      const { job, created } = await store.insertJob(deps.pool, newJob);
      if (created) {
        const run = job.run_id ? { run_id: job.run_id } : {};
        // Triggers come from the API (seed 000's source), pipeline ones from the job.
        const source = job.run_id ? undefined : "cache_sync_api";
        deps.publisher.publish("cache_sync_triggered", { job_id: job.job_id, mode: job.mode, force: job.force, triggered_by: job.triggered_by, ...run }, source);
        deps.log.info({ job_id: job.job_id, mode: job.mode, force: job.force, triggered_by: job.triggered_by, ...run }, "cache sync queued");
      }
      const ahead = await store.countJobsAhead(deps.pool, job.job_id);
      kick();
      return { job, created, ahead };
    },

    start() {
      poll = setInterval(kick, deps.pollIntervalMs ?? 5_000).unref();
      kick();
    },

    watch: (jobId, signal) => watchJob(deps, updates, jobId, signal),

    async cancel(jobId, reason) {
      if (active?.jobId === jobId) return void active.controller.abort(new JobStopped(reason, null));
      const row = await store.finishJob(deps.pool, jobId, { status: "failed", errorDetails: reason }, "pending");
      if (row) endedElsewhere(row, null);
    },

    async stop(graceMs) {
      stopping = true;
      clearInterval(poll);
      const running = draining;
      if (!running) return;
      const interrupt = setTimeout(() => active?.controller.abort(new JobStopped("interrupted: the cache-sync service stopped", "CACHE_SYNC_INTERRUPTED")), graceMs);
      await running;
      clearTimeout(interrupt);
    },

    activeJob: () => (active ? { run_id: active.runId, job_id: active.jobId } : null),
  };
}

/**
 * Follows one job: every progress of a job run here (in order), snapshots of a job run by
 * another process (re-read every watchIntervalMs), then the ended row.
 */
async function* watchJob(deps: RunnerDeps, updates: EventEmitter, jobId: string, signal: AbortSignal): AsyncGenerator<JobUpdate> {
  const inbox: JobProgressView[] = [];
  let dirty = false;
  let local = false;
  let wake: (() => void) | null = null;
  const listener = (u: Update) => {
    dirty = true;
    if (u.kind === "progress") {
      local = true;
      inbox.push(u.progress);
    }
    wake?.();
  };
  updates.on(jobId, listener);
  let lastKey = "";
  try {
    while (!signal.aborted) {
      dirty = false;
      const job = await store.getJob(deps.pool, jobId);
      if (!job) return;
      for (let p = inbox.shift(); p; p = inbox.shift()) {
        lastKey = `${p.currentTask}/${p.completed}`;
        yield { kind: "progress", progress: p };
      }
      if (store.TERMINAL.includes(job.status)) {
        // The caller (the coordinator) publishes its next event on this end: the job's go out first.
        await deps.publisher.flush(5_000);
        return yield { kind: "end", job };
      }
      const snapshot = job.status === "running" && job.progress_total > 0 ? progressOf(job.current_task ?? "", job.progress_completed, job.progress_total) : null;
      if (snapshot && !local && `${snapshot.currentTask}/${snapshot.completed}` !== lastKey) {
        lastKey = `${snapshot.currentTask}/${snapshot.completed}`;
        yield { kind: "progress", progress: snapshot };
      }
      await new Promise<void>((resolve) => {
        if (dirty || signal.aborted) return resolve();
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          wake = null;
          resolve();
        };
        const timer = setTimeout(done, deps.watchIntervalMs ?? 500);
        signal.addEventListener("abort", done, { once: true });
        wake = done;
      });
    }
  } finally {
    updates.off(jobId, listener);
  }
}

function formatMinutes(minutes: number): string {
  if (minutes >= 1) return `${Number(minutes.toFixed(2))} minute${minutes === 1 ? "" : "s"}`;
  return `${Number((minutes * 60).toFixed(3))} seconds`;
}
