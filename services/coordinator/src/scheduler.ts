import type pg from "pg";
import { Cron } from "croner";
import { Code, ConnectError } from "@connectrpc/connect";
import type { EventPublisher } from "@tickstock/common/events.ts";
import type { Logger } from "@tickstock/common/log.ts";
import type { CalendarOptions } from "@tickstock/common/trading-calendar.ts";
import type { LeaderElection } from "./leader.ts";
import { planScheduledRun } from "./run-plan.ts";
import type { RunManager } from "./runs.ts";
import { cronPattern, dueSlot, isSameSchedule, type Schedule } from "./schedule.ts";
import * as store from "./store/index.ts";

/**
 * The daily scheduler. Only the leader (advisory lock) keeps a croner job at the schedule's
 * trigger time in its IANA zone; at each firing it checks, by the local date, that the day is
 * an NYSE trading day, and claims the day in schedule_firings in the transaction that creates
 * the run, so no day fires twice even if two coordinators believed they led. A periodic poll
 * retries the lock (fail-over), reloads the schedule (changed by any coordinator) and retries
 * a firing deferred by a run that was still active.
 */

export type TickResult = "not_leader" | "nothing_due" | "fired" | "already_fired" | "deferred";

export interface SchedulerDeps {
  pool: pg.Pool;
  publisher: EventPublisher;
  log: Logger;
  runs: RunManager;
  leader: LeaderElection;
  calendar: CalendarOptions;
  /** The clock of every schedule decision (tests inject theirs). */
  now: () => Date;
  /** On becoming leader, fire today's slot if its time passed unfired. */
  catchUp: boolean;
  /** Period of the leadership / schedule poll. */
  pollMs: number;
}

export interface Scheduler {
  /** First leadership check (and catch-up), then the periodic poll. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** What the cron job runs: fire today's slot when it is due. */
  tick(): Promise<TickResult>;
  /** One poll: leadership, schedule reload, deferred firing. */
  poll(): Promise<void>;
  /** The cron job's next wake-up (null when not leader or disabled). */
  nextWakeUp(): Date | null;
}

export function createScheduler(deps: SchedulerDeps): Scheduler {
  let job: Cron | null = null;
  let armed: Schedule | null = null;
  /** A due slot not settled yet: the poll ticks again. */
  let deferred = false;
  /** The deferral is due to an active run (warned once). */
  let deferredByRun = false;
  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<void> | null = null;

  function disarm(): void {
    job?.stop();
    job = null;
    armed = null;
  }

  function arm(schedule: Schedule): void {
    disarm();
    armed = schedule;
    if (!schedule.enabled) return;
    job = new Cron(cronPattern(schedule.triggerTime), { timezone: schedule.timezone, unref: true }, () => {
      // Until a tick settles the slot (fired, taken, not due), the poll keeps retrying it: a
      // database hiccup at the trigger time must not lose the day's run.
      deferred = true;
      scheduler.tick().catch((err: unknown) => deps.log.error({ err }, "scheduled firing failed; the poll retries it"));
    });
    deps.log.info({ trigger_time: schedule.triggerTime, timezone: schedule.timezone, wake_up: job.nextRun()?.toISOString() }, "schedule armed");
  }

  async function pollOnce(): Promise<void> {
    const wasLeader = deps.leader.isLeader();
    if (!(await deps.leader.check())) return disarm();
    const schedule = await store.getSchedule(deps.pool);
    if (!armed || !isSameSchedule(armed, schedule)) arm(schedule);
    if ((!wasLeader && deps.catchUp) || deferred) await scheduler.tick();
  }

  const scheduler: Scheduler = {
    async start() {
      await scheduler.poll();
      timer ??= setInterval(() => void scheduler.poll(), deps.pollMs);
      timer.unref();
    },

    async stop() {
      clearInterval(timer);
      timer = undefined;
      await polling;
      disarm();
      await deps.leader.resign();
    },

    async tick() {
      if (!deps.leader.isLeader()) return "not_leader";
      const schedule = await store.getSchedule(deps.pool);
      const now = deps.now();
      const slot = dueSlot(schedule, await store.lastFiring(deps.pool), now, deps.calendar);
      if (!slot) {
        deferred = deferredByRun = false;
        return "nothing_due";
      }
      try {
        const run = await deps.runs.start(planScheduledRun(schedule.universes, deps.calendar, now), "automatic", slot);
        deferred = deferredByRun = false;
        if (run) deps.log.info({ run_id: run.run_id, fire_date: slot.fireDate }, "scheduled run fired");
        return run ? "fired" : "already_fired";
      } catch (err) {
        if (!(err instanceof ConnectError && err.code === Code.AlreadyExists)) throw err;
        if (!deferredByRun) {
          const message = `the scheduled run of ${slot.fireDate} waits for the active run to end`;
          deps.log.warn({ fire_date: slot.fireDate }, message);
          deps.publisher.publish("error", { severity: "warning", component: "coordinator", error_code: "SCHEDULED_RUN_DEFERRED", message, context: { fire_date: slot.fireDate } });
        }
        deferred = deferredByRun = true;
        return "deferred";
      }
    },

    async poll() {
      // One poll at a time; a caller arriving meanwhile waits for the one under way.
      polling ??= pollOnce()
        .catch((err: unknown) => deps.log.warn({ err: (err as Error).message }, "scheduler poll failed; retrying"))
        .finally(() => (polling = null));
      await polling;
    },

    nextWakeUp: () => job?.nextRun() ?? null,
  };
  return scheduler;
}
