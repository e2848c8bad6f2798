// Wall-clock schedule math for "HH:MM in an IANA zone, on NYSE trading days": when the next run
// is due and whether today's was missed. Pure: `now` is always a parameter.
import {
  type CalendarOptions,
  dayNumber,
  isTradingDay,
  nextTradingDay,
  zonedDate,
  zonedDateTime,
} from "./trading-calendar.ts";

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** An IANA zone name the runtime knows (aliases and any letter case accepted, UTC offsets not). */
export function isValidTimeZone(tz: string): boolean {
  // Intl also takes offset zones such as "+05:00"; they are not IANA names and have no DST rules.
  if (typeof tz !== "string" || tz === "" || /^[+-]/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Strict "HH:MM", 00:00 through 23:59. */
export function isValidTriggerTime(s: string): boolean {
  return typeof s === "string" && TIME_OF_DAY.test(s);
}

/**
 * The instant at which the wall clock in `timeZone` reads `time` on `date`. A time skipped by a
 * spring-forward gap moves forward by the gap's length (02:30 becomes 03:30 EDT); a time repeated
 * by a fall-back takes its first occurrence. Both as RFC 5545 and Temporal's "compatible".
 */
export function zonedDateTimeToInstant(date: string, time: string, timeZone: string): Date {
  if (!isValidTriggerTime(time)) throw new RangeError(`not a time of day (HH:MM): ${JSON.stringify(time)}`);
  if (!isValidTimeZone(timeZone)) throw new RangeError(`not an IANA time zone: ${JSON.stringify(timeZone)}`);
  const [hours, minutes] = time.split(":").map(Number);
  const wall = dayNumber(date) * MS_PER_DAY + (hours * 60 + minutes) * MS_PER_MINUTE;
  // Offsets a day either side bracket any single transition near this wall time.
  const offsetBefore = utcOffsetAt(wall - MS_PER_DAY, timeZone);
  const offsetAfter = utcOffsetAt(wall + MS_PER_DAY, timeZone);
  const matches = [wall - offsetBefore, wall - offsetAfter]
    .filter((instant) => utcOffsetAt(instant, timeZone) === wall - instant)
    .sort((a, b) => a - b);
  // No match: the wall time is in a gap; the offset in force before it lands just past the gap.
  return new Date(matches[0] ?? wall - offsetBefore);
}

/**
 * The first instant strictly after `now` at which the wall clock in `timeZone` reads
 * `triggerTime` on a date (in that zone) that is an NYSE trading day.
 */
export function nextScheduledRun(now: Date, triggerTime: string, timeZone: string, opts?: CalendarOptions): Date {
  assertValidDate(now, "now");
  let date = zonedDate(now, timeZone);
  if (!isTradingDay(date, opts)) date = nextTradingDay(date, opts);
  for (;;) {
    const at = zonedDateTimeToInstant(date, triggerTime, timeZone);
    if (at.getTime() > now.getTime()) return at;
    date = nextTradingDay(date, opts);
  }
}

/**
 * Today's trading date (in `timeZone`) when its scheduled instant has been reached by `now` and
 * was not yet fired, i.e. falls after `lastFired` (null: never fired); otherwise null. Only today
 * counts: a run missed on an earlier day is not caught up. Together with nextScheduledRun, which
 * covers instants strictly after `now`, every scheduled instant is seen once. `lastFired` should be
 * the scheduled instant of the last fire, not the clock reading when it ran.
 */
export function missedScheduledRun(
  lastFired: Date | null,
  now: Date,
  triggerTime: string,
  timeZone: string,
  opts?: CalendarOptions,
): string | null {
  assertValidDate(now, "now");
  if (lastFired !== null) assertValidDate(lastFired, "lastFired");
  const today = zonedDate(now, timeZone);
  if (!isTradingDay(today, opts)) return null;
  const due = zonedDateTimeToInstant(today, triggerTime, timeZone).getTime();
  if (due > now.getTime()) return null;
  if (lastFired !== null && lastFired.getTime() >= due) return null;
  return today;
}

/** Wall clock minus UTC at `instant`, in ms (negative west of Greenwich). */
function utcOffsetAt(instant: number, timeZone: string): number {
  const whole = Math.floor(instant / 1000) * 1000;
  const { date, time } = zonedDateTime(new Date(whole), timeZone);
  const [h, m, s] = time.split(":").map(Number);
  const wall = dayNumber(date) * MS_PER_DAY + ((h * 60 + m) * 60 + s) * 1000;
  return wall - whole;
}

function assertValidDate(d: Date, name: string): void {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new RangeError(`${name} is not a valid Date`);
}
