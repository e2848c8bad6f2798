import { randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { withTransaction } from "@tickstock/common/db.ts";
import { alreadyExists } from "@tickstock/common/errors.ts";
import type { ActiveRun } from "@tickstock/common/system-metrics.ts";
import { recoveryAction } from "./recovery.ts";
import { universeLabel, type RunPlan } from "./run-plan.ts";
import { endRun, executeRun, RunStop, type RunnerDeps } from "./runner.ts";
import type { ScheduleSlot } from "./schedule.ts";
import * as store from "./store/index.ts";

/**
 * The runs of this process: starting one (the database refuses a second active run), cancelling
 * the active one wherever it runs, heartbeats of the runs this process drives, and recovery of
 * runs whose owner died or stopped.
 */

export interface RunManagerDeps extends RunnerDeps {
  heartbeatMs: number;
  /** A run whose heartbeat is older than this has a dead owner. */
  staleAfterMs: number;
  recoveryMaxAgeMs: number;
  cancelWaitMs: number;
}

export interface CancelOutcome {
  runId: string;
  message: string;
}

export interface RunManager {
  /** Starts a run; with `claim`, only if the schedule slot is still unfired (else null). */
  start(plan: RunPlan, triggerType: store.TriggerType, claim?: ScheduleSlot): Promise<store.RunRow | null>;
  /** Cancels the active run; null when nothing runs. */
  cancel(): Promise<CancelOutcome | null>;
  /** Resumes or ends runs left `running` by a dead or stopped owner. */
  recover(): Promise<void>;
  /** Starts heartbeats (and periodic recovery). */
  startBackground(): void;
  /** Stops heartbeats and releases this process's runs so a restart resumes them. */
  stop(): Promise<void>;
  /** Resolves when no run of this process is executing (tests, shutdown). */
  idle(): Promise<void>;
  /** The run this process drives now, or null (system_metrics' active_run). */
  activeRun(): ActiveRun | null;
}

class SlotTaken extends Error {}

const CANCELLED: store.RunEnd = { status: "cancelled", error: null, phaseStatus: "cancelled", phaseError: null };

const within = (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);

export function createRunManager(deps: RunManagerDeps): RunManager {
  const local = new Map<string, { controller: AbortController; done: Promise<void> }>();
  let timer: NodeJS.Timeout | undefined;
  let beating = false;

  function launch(run: store.RunRow, phases: store.PhaseRow[]): void {
    const controller = new AbortController();
    const done = executeRun(deps, run, phases, controller.signal)
      .catch((err: unknown) => deps.log.error({ err, run_id: run.run_id }, "run execution crashed"))
      .finally(() => local.delete(run.run_id));
    local.set(run.run_id, { controller, done });
  }

  async function insert(plan: RunPlan, triggerType: store.TriggerType, claim?: ScheduleSlot): Promise<store.RunRow | null> {
    const runId = randomUUID();
    for (let attempt = 0; ; attempt++) {
      try {
        return await withTransaction(deps.pool, async (client) => {
          // The claim first: a second scheduler waits here for the first one's commit.
          if (claim && !(await store.claimFiring(client, claim, runId, deps.ownerId))) throw new SlotTaken();
          return store.insertRun(client, { runId, ...plan, triggerType, ownerId: deps.ownerId });
        });
      } catch (err) {
        if (err instanceof SlotTaken) return null;
        if (!(err instanceof ConnectError && err.code === Code.AlreadyExists)) throw err;
        const active = await store.activeRun(deps.pool);
        // The active run ended between our insert and this read: try once more.
        if (!active && attempt === 0) continue;
        throw alreadyExists(`run ${active?.run_id ?? "(just ended)"} is already active; one run at a time`, active ? { run_id: active.run_id } : {});
      }
    }
  }

  async function waitUntilEnded(runId: string): Promise<store.RunRow | null> {
    const mine = local.get(runId);
    if (mine) await within(mine.done, deps.cancelWaitMs);
    else {
      const deadline = Date.now() + deps.cancelWaitMs;
      while (Date.now() < deadline && (await store.getRun(deps.pool, runId))?.status === "running") await new Promise((r) => setTimeout(r, 100));
    }
    return store.getRun(deps.pool, runId);
  }

  async function beat(): Promise<void> {
    for (const [runId, { controller }] of local) {
      const hb = await store.heartbeat(deps.pool, runId, deps.ownerId);
      if (hb === null) controller.abort(new RunStop("lost", "another coordinator took the run over"));
      else if (hb.cancelRequested) controller.abort(new RunStop("cancel", "cancelled by request"));
    }
  }

  const manager: RunManager = {
    async start(plan, triggerType, claim) {
      const run = await insert(plan, triggerType, claim);
      if (!run) return null;
      deps.publisher.publish("processing_started", {
        run_id: run.run_id,
        run_date: run.run_date,
        status: "running",
        phases: plan.phases,
        universe: universeLabel(run.universes),
        trigger_type: triggerType,
      });
      // processing_started must reach Redis before the first phase service publishes.
      await deps.publisher.flush(2000);
      const pending = plan.phases.map((phase): store.PhaseRow => ({ phase, status: "pending", started_at: null, ended_at: null, percent_complete: 0, attempts: 0, result: null, error: null }));
      launch(run, pending);
      deps.log.info({ run_id: run.run_id, run_date: run.run_date, phases: plan.phases, universes: run.universes, trigger_type: triggerType }, "run started");
      return run;
    },

    async cancel() {
      const req = await store.requestCancel(deps.pool, deps.staleAfterMs);
      if (!req) return null;
      const mine = local.get(req.run_id);
      if (mine) mine.controller.abort(new RunStop("cancel", "cancelled by request"));
      else if (req.owner_dead) await endRun(deps, req.run_id, { staleAfterMs: deps.staleAfterMs }, CANCELLED);
      // A run of another live coordinator stops at that one's next heartbeat.
      const run = await waitUntilEnded(req.run_id);
      const message =
        run?.status === "cancelled" ? "Processing cancelled"
        : run?.status === "running" ? "Cancellation requested; the run stops at its next batch"
        : `The run ended ${run?.status ?? "meanwhile"} before it could be cancelled`;
      return { runId: req.run_id, message };
    },

    async recover() {
      for (const r of await store.runningRuns(deps.pool)) {
        if (local.has(r.run_id)) continue;
        const run = { runId: r.run_id, ownerId: r.owner_id, startedAt: r.started_at, heartbeatAt: r.heartbeat_at };
        const action = recoveryAction(run, r.db_now, { staleAfterMs: deps.staleAfterMs, maxAgeMs: deps.recoveryMaxAgeMs });
        if (action.kind === "fail") {
          const end: store.RunEnd = { status: "failed", error: action.reason, phaseStatus: "failed", phaseError: action.reason };
          const event = { component: "coordinator", error_code: "RUN_ABANDONED", message: `run ${r.run_id} ${action.reason}`, context: {} };
          if (await endRun(deps, r.run_id, { staleAfterMs: deps.staleAfterMs }, end, event)) deps.log.warn({ run_id: r.run_id }, "abandoned run ended failed");
        } else if (action.kind === "resume" && (await store.adoptRun(deps.pool, r.run_id, deps.ownerId, deps.staleAfterMs))) {
          const adopted = (await store.getRun(deps.pool, r.run_id))!;
          const phases = await store.runPhases(deps.pool, r.run_id);
          const from = phases.find((p) => p.status !== "completed")?.phase ?? null;
          deps.publisher.publish("error", {
            severity: "warning",
            component: "coordinator",
            error_code: "RUN_RESUMED",
            message: `run ${r.run_id} resumed from the ${from ?? "final"} phase after its coordinator ${r.owner_id ? "stopped responding" : "was stopped"}`,
            context: { run_id: r.run_id, phase: from, previous_owner: r.owner_id },
          });
          deps.log.warn({ run_id: r.run_id, from, previous_owner: r.owner_id }, "resuming run");
          launch(adopted, phases);
        }
      }
    },

    startBackground() {
      timer ??= setInterval(() => {
        if (beating) return;
        beating = true;
        beat()
          .then(() => manager.recover())
          .catch((err: unknown) => deps.log.warn({ err: (err as Error).message }, "heartbeat or recovery failed; retrying"))
          .finally(() => (beating = false));
      }, deps.heartbeatMs);
      timer.unref();
    },

    async stop() {
      clearInterval(timer);
      timer = undefined;
      for (const { controller } of local.values()) controller.abort(new RunStop("shutdown", "coordinator stopping"));
      await manager.idle();
    },

    async idle() {
      while (local.size > 0) await Promise.all([...local.values()].map((e) => e.done));
    },

    activeRun() {
      const runId = local.keys().next().value;
      return runId === undefined ? null : { run_id: runId, job_id: null };
    },
  };
  return manager;
}
