// The NYSE trading calendar: pure date arithmetic over ISO "YYYY-MM-DD" strings.
// No clock, no env, no I/O; instants only come in as parameters.
//
// The rules are the current ones (NYSE Rule 7.2): they hold from 2022 (Juneteenth) onward and
// for the regular holidays since 1998; closures that no rule predicts (days of mourning,
// hurricanes) come from configuration as `specialClosures`. Early closes (13:00 on some
// holiday eves) are not modelled: those days are full trading days here.

export interface CalendarOptions {
  /** Extra full-day closures from configuration, e.g. national days of mourning. */
  specialClosures?: readonly string[];
}

const MS_PER_DAY = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$/;
const SATURDAY = 6;
const SUNDAY = 0;
const MONDAY = 1;
const THURSDAY = 4;

export function isValidIsoDate(s: string): boolean {
  const m = typeof s === "string" ? ISO_DATE.exec(s) : null;
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // The market dates this system handles; also keeps out years PostgreSQL's
  // date type rejects (year 0), which would otherwise fail deep in a store.
  if (year < MIN_YEAR || year > MAX_YEAR) return false;
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** Dates outside these years are not valid market dates here. */
export const MIN_YEAR = 1900;
export const MAX_YEAR = 2199;

/** Days since 1970-01-01 (negative before). Throws RangeError on anything but a real date. */
export function dayNumber(date: string): number {
  if (!isValidIsoDate(date)) throw new RangeError(`not an ISO date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  const [year, month, day] = date.split("-").map(Number);
  return dayNumberOf(year, month, day);
}

export function dateFromDayNumber(n: number): string {
  if (!Number.isSafeInteger(n)) throw new RangeError(`not a day number: ${n}`);
  const d = new Date(n * MS_PER_DAY);
  const year = d.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError(`day number ${n} is outside years 0000–9999`);
  return isoDate(year, d.getUTCMonth() + 1, d.getUTCDate());
}

export function addDays(date: string, n: number): string {
  return dateFromDayNumber(dayNumber(date) + n);
}

/** Full-day weekday closures of `year`: date -> name, observance rules applied, ascending. */
export function nyseHolidays(year: number, opts?: CalendarOptions): Map<string, string> {
  if (!Number.isInteger(year) || year < 1 || year > 9999) throw new RangeError(`not a year: ${year}`);
  const holidays = new Map(regularHolidays(year));
  for (const date of specialClosures(opts)) {
    if (date.startsWith(`${String(year).padStart(4, "0")}-`) && !isWeekend(date) && !holidays.has(date)) {
      holidays.set(date, "Special closure");
    }
  }
  return new Map([...holidays].sort(([a], [b]) => (a < b ? -1 : 1)));
}

export function isTradingDay(date: string, opts?: CalendarOptions): boolean {
  if (isWeekend(date)) return false;
  if (regularHolidays(Number(date.slice(0, 4))).has(date)) return false;
  return !specialClosures(opts).has(date);
}

/** The first trading day strictly after `date`. */
export function nextTradingDay(date: string, opts?: CalendarOptions): string {
  return stepToTradingDay(date, 1, opts);
}

/** The last trading day strictly before `date`. */
export function previousTradingDay(date: string, opts?: CalendarOptions): string {
  return stepToTradingDay(date, -1, opts);
}

/** Trading days from `from` to `to`, both inclusive, ascending; empty when `from` > `to`. */
export function tradingDaysBetween(from: string, to: string, opts?: CalendarOptions): string[] {
  const days: string[] = [];
  const last = dayNumber(to);
  for (let n = dayNumber(from); n <= last; n++) {
    const date = dateFromDayNumber(n);
    if (isTradingDay(date, opts)) days.push(date);
  }
  return days;
}

/** The calendar date of `instant` in `timeZone`. */
export function zonedDate(instant: Date, timeZone: string): string {
  return zonedDateTime(instant, timeZone).date;
}

/** The wall-clock date and time (HH:MM:SS) of `instant` in `timeZone`. */
export function zonedDateTime(instant: Date, timeZone: string): { date: string; time: string } {
  if (Number.isNaN(instant.getTime())) throw new RangeError("invalid Date");
  const parts: Record<string, string> = {};
  for (const { type, value } of wallClockFormat(timeZone).formatToParts(instant)) parts[type] = value;
  return {
    date: `${parts.year.padStart(4, "0")}-${parts.month}-${parts.day}`,
    time: `${parts.hour}:${parts.minute}:${parts.second}`,
  };
}

/**
 * The trading date whose session has closed by `now`: today (in the exchange's zone) when it is
 * a trading day and its wall clock reads at least `closeTime`, otherwise the previous trading day.
 */
export function latestCompletedTradingDay(
  now: Date,
  opts?: CalendarOptions & { closeTime?: string; timeZone?: string },
): string {
  const closeTime = opts?.closeTime ?? "16:00";
  if (!TIME_OF_DAY.test(closeTime)) throw new RangeError(`closeTime is not HH:MM: ${JSON.stringify(closeTime)}`);
  const { date, time } = zonedDateTime(now, opts?.timeZone ?? "America/New_York");
  // "HH:MM:SS" >= "HH:MM" compares as wall-clock time: equal minutes with seconds sort after.
  return isTradingDay(date, opts) && time >= closeTime ? date : previousTradingDay(date, opts);
}

// ---- holidays ----

const holidaysByYear = new Map<number, ReadonlyMap<string, string>>();

function regularHolidays(year: number): ReadonlyMap<string, string> {
  let holidays = holidaysByYear.get(year);
  if (!holidays) {
    holidays = computeRegularHolidays(year);
    holidaysByYear.set(year, holidays);
  }
  return holidays;
}

function computeRegularHolidays(year: number): ReadonlyMap<string, string> {
  const holidays = new Map<string, string>();
  const add = (name: string, date: string | null) => {
    if (date !== null) holidays.set(date, name);
  };
  // A Saturday New Year's Day is not moved to Friday Dec 31: that would close the last
  // session of the accounting year (Rule 7.2), so the holiday simply passes.
  const newYear = isoDate(year, 1, 1);
  add("New Year's Day", weekday(newYear) === SATURDAY ? null : observed(newYear));
  add("Martin Luther King Jr. Day", nthWeekday(year, 1, MONDAY, 3));
  add("Washington's Birthday", nthWeekday(year, 2, MONDAY, 3));
  add("Good Friday", addDays(easterSunday(year), -2));
  add("Memorial Day", lastWeekday(year, 5, MONDAY));
  if (year >= 2022) add("Juneteenth National Independence Day", observed(isoDate(year, 6, 19)));
  add("Independence Day", observed(isoDate(year, 7, 4)));
  add("Labor Day", nthWeekday(year, 9, MONDAY, 1));
  add("Thanksgiving Day", nthWeekday(year, 11, THURSDAY, 4));
  add("Christmas Day", observed(isoDate(year, 12, 25)));
  return holidays;
}

/** A Saturday holiday is observed the Friday before, a Sunday holiday the Monday after. */
function observed(date: string): string {
  const day = weekday(date);
  if (day === SATURDAY) return addDays(date, -1);
  if (day === SUNDAY) return addDays(date, 1);
  return date;
}

/** Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return isoDate(year, month, day);
}

function nthWeekday(year: number, month: number, dayOfWeek: number, n: number): string {
  const first = isoDate(year, month, 1);
  const offset = (dayOfWeek - weekday(first) + 7) % 7;
  return addDays(first, offset + 7 * (n - 1));
}

function lastWeekday(year: number, month: number, dayOfWeek: number): string {
  const last = isoDate(year, month, daysInMonth(year, month));
  return addDays(last, -((weekday(last) - dayOfWeek + 7) % 7));
}

// ---- helpers ----

function stepToTradingDay(date: string, step: 1 | -1, opts?: CalendarOptions): string {
  let n = dayNumber(date);
  // The longest closure run is a few days; a bound keeps a bad configuration from hanging.
  for (let i = 0; i < 366; i++) {
    n += step;
    const candidate = dateFromDayNumber(n);
    if (isTradingDay(candidate, opts)) return candidate;
  }
  throw new RangeError(`no trading day within a year ${step > 0 ? "after" : "before"} ${date}`);
}

function specialClosures(opts?: CalendarOptions): ReadonlySet<string> {
  const dates = opts?.specialClosures ?? [];
  for (const date of dates) {
    if (!isValidIsoDate(date)) throw new RangeError(`special closure is not an ISO date: ${JSON.stringify(date)}`);
  }
  return new Set(dates);
}

function isWeekend(date: string): boolean {
  const day = weekday(date);
  return day === SATURDAY || day === SUNDAY;
}

/** 0 = Sunday … 6 = Saturday; 1970-01-01 was a Thursday. */
function weekday(date: string): number {
  return (((dayNumber(date) + THURSDAY) % 7) + 7) % 7;
}

function dayNumberOf(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day); // not Date.UTC: it maps years 0–99 to 1900–1999
  return Math.round(d.getTime() / MS_PER_DAY);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function wallClockFormat(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      calendar: "gregory",
      numberingSystem: "latn",
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formats.set(timeZone, format);
  }
  return format;
}
