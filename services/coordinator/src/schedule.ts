// The daily schedule's rules: validating a change, when the next run is, which slot is due, and
// the cron pattern that wakes the scheduler. Pure: `now` and the calendar are parameters.
import { invalidArgument } from "@tickstock/common/errors.ts";
import {
  isValidTimeZone,
  isValidTriggerTime,
  missedScheduledRun,
  nextScheduledRun,
  zonedDateTimeToInstant,
} from "@tickstock/common/schedule-time.ts";
import type { CalendarOptions } from "@tickstock/common/trading-calendar.ts";
import { isUniverseName } from "./run-plan.ts";

export interface Schedule {
  enabled: boolean;
  /** HH:MM in `timezone`. */
  triggerTime: string;
  /** IANA zone, canonical spelling. */
  timezone: string;
  universes: string[];
}

export interface ScheduleUpdate {
  enabled?: boolean;
  triggerTime?: string;
  timezone?: string;
  /** Replaces the list when non-empty. */
  universes: readonly string[];
}

/** A fired (or due) slot: the trading date in the schedule's zone and its instant. */
export interface ScheduleSlot {
  fireDate: string;
  scheduledFor: Date;
}

const MAX_UNIVERSES = 50;

/** The zone's canonical name ("america/new_york" → "America/New_York"). */
export function canonicalTimeZone(tz: string): string {
  return new Intl.DateTimeFormat("en-US", { timeZone: tz }).resolvedOptions().timeZone;
}

/** The schedule after `update`, validated; throws InvalidArgument naming the first bad field. */
export function applyScheduleUpdate(current: Schedule, update: ScheduleUpdate): Schedule {
  const next = { ...current, universes: [...current.universes] };
  if (update.triggerTime !== undefined) {
    if (!isValidTriggerTime(update.triggerTime)) {
      throw invalidArgument("trigger_time", `trigger_time must be HH:MM between 00:00 and 23:59, got "${update.triggerTime.slice(0, 20)}"`);
    }
    next.triggerTime = update.triggerTime;
  }
  if (update.timezone !== undefined) {
    if (!isValidTimeZone(update.timezone)) {
      throw invalidArgument("timezone", `timezone must be an IANA time zone such as America/New_York, got "${update.timezone.slice(0, 64)}"`);
    }
    next.timezone = canonicalTimeZone(update.timezone);
  }
  if (update.universes.length > 0) {
    if (update.universes.length > MAX_UNIVERSES) throw invalidArgument("universes", `at most ${MAX_UNIVERSES} universes`);
    const bad = update.universes.find((u) => !isUniverseName(u));
    if (bad !== undefined) throw invalidArgument("universes", `"${bad.slice(0, 40)}" is not a universe name`);
    next.universes = [...new Set(update.universes)];
  }
  if (update.enabled !== undefined) next.enabled = update.enabled;
  return next;
}

export function isSameSchedule(a: Schedule, b: Schedule): boolean {
  return (
    a.enabled === b.enabled &&
    a.triggerTime === b.triggerTime &&
    a.timezone === b.timezone &&
    a.universes.length === b.universes.length &&
    a.universes.every((u, i) => u === b.universes[i])
  );
}

/** The next firing strictly after `now`, on an NYSE trading day; null when disabled. */
export function nextRunOf(schedule: Schedule, now: Date, calendar: CalendarOptions): Date | null {
  if (!schedule.enabled) return null;
  return nextScheduledRun(now, schedule.triggerTime, schedule.timezone, calendar);
}

/**
 * Today's slot (in the schedule's zone) when it is a trading day, its time has come and it was
 * not fired yet (`lastFired` is the scheduled instant of the last firing); otherwise null.
 */
export function dueSlot(schedule: Schedule, lastFired: Date | null, now: Date, calendar: CalendarOptions): ScheduleSlot | null {
  if (!schedule.enabled) return null;
  const fireDate = missedScheduledRun(lastFired, now, schedule.triggerTime, schedule.timezone, calendar);
  if (fireDate === null) return null;
  return { fireDate, scheduledFor: zonedDateTimeToInstant(fireDate, schedule.triggerTime, schedule.timezone) };
}

/** The croner pattern (minute hour, every day) for a trigger time; the calendar check is ours. */
export function cronPattern(triggerTime: string): string {
  if (!isValidTriggerTime(triggerTime)) throw new RangeError(`not HH:MM: ${triggerTime}`);
  const [hours, minutes] = triggerTime.split(":").map(Number);
  return `${minutes} ${hours} * * *`;
}
