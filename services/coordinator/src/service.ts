import type pg from "pg";
import type { ServiceImpl } from "@connectrpc/connect";
import { withTransaction } from "@tickstock/common/db.ts";
import { aborted, invalidArgument } from "@tickstock/common/errors.ts";
import type { EventPublisher } from "@tickstock/common/events.ts";
import type { Logger } from "@tickstock/common/log.ts";
import type { CalendarOptions } from "@tickstock/common/trading-calendar.ts";
import { CoordinatorService, type TriggerRunRequest, type ListRunsRequest, type UpdateScheduleRequest } from "@tickstock/gen/tickstock/coordinator/v1/coordinator_pb.js";
import { planRun } from "./run-plan.ts";
import type { RunManager } from "./runs.ts";
import { applyScheduleUpdate, isSameSchedule, type ScheduleUpdate } from "./schedule.ts";
import type { Scheduler } from "./scheduler.ts";
import * as store from "./store/index.ts";
import type { UniverseResolver } from "./universes.ts";
import { currentPhase, phaseStatus, runSummary, scheduleView } from "./views.ts";

export interface CoordinatorServiceDeps {
  pool: pg.Pool;
  publisher: EventPublisher;
  log: Logger;
  runs: RunManager;
  scheduler: Pick<Scheduler, "poll">;
  universes: UniverseResolver;
  calendar: CalendarOptions;
  now: () => Date;
  defaultUniverse: string;
}

export function createCoordinatorService(deps: CoordinatorServiceDeps): ServiceImpl<typeof CoordinatorService> {
  const { pool, calendar } = deps;
  return {
    async triggerRun(req: TriggerRunRequest) {
      const request = { skipMarketCheck: req.skipMarketCheck, phases: req.phases, universe: req.universe, runDate: req.runDate };
      const plan = planRun(request, { calendar, defaultUniverse: deps.defaultUniverse }, deps.now());
      await deps.universes.assertKnown(plan.universes, "universe");
      // Never null without a schedule claim; the unique index answers AlreadyExists for a second run.
      const run = (await deps.runs.start(plan, "manual"))!;
      return { runId: run.run_id, status: "started", message: "Processing started successfully" };
    },

    async getStatus() {
      const [active, last] = await Promise.all([store.activeRun(pool), store.lastFinishedRun(pool)]);
      const phases = active ? await store.runPhases(pool, active.run_id) : [];
      return {
        status: active ? "running" : "idle",
        runId: active?.run_id,
        runDate: active?.run_date,
        currentPhase: active ? currentPhase(phases) : undefined,
        phases: phases.map(phaseStatus),
        lastRun: last ? runSummary(last) : undefined,
      };
    },

    async listRuns(req: ListRunsRequest) {
      const days = req.days ?? 7;
      if (days < 1 || days > 365) throw invalidArgument("days", `days must be between 1 and 365, got ${days}`);
      return { runs: (await store.listRuns(pool, days)).map(runSummary) };
    },

    async cancelRun() {
      const outcome = await deps.runs.cancel();
      if (!outcome) throw aborted("no processing run is active");
      return { success: true, runId: outcome.runId, message: outcome.message };
    },

    async getSchedule() {
      return scheduleView(await store.getSchedule(pool), deps.now(), calendar).message;
    },

    async updateSchedule(req: UpdateScheduleRequest) {
      const update: ScheduleUpdate = { enabled: req.enabled, triggerTime: req.triggerTime, timezone: req.timezone, universes: req.universes };
      const checked = applyScheduleUpdate(await store.getSchedule(pool), update);
      if (req.universes.length > 0) await deps.universes.assertKnown(checked.universes, "universes");
      const { before, after } = await withTransaction(pool, async (client) => {
        const current = await store.getSchedule(client, { forUpdate: true });
        const next = applyScheduleUpdate(current, update);
        return { before: current, after: isSameSchedule(current, next) ? current : await store.saveSchedule(client, next) };
      });
      const view = scheduleView(after, deps.now(), calendar);
      if (!isSameSchedule(before, after)) {
        deps.publisher.publish("schedule_updated", view.event);
        deps.log.info(view.event, "schedule updated");
        await deps.scheduler.poll();
      }
      return view.message;
    },
  };
}
