// Calendar dates as whole UTC days: "YYYY-MM-DD" <-> days since 1970-01-01.

const MS_PER_DAY = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 for a valid YYYY-MM-DD, otherwise null ("", "2025-02-30", "2025-1-5"). */
export function parseDay(date: string): number | null {
  const m = ISO_DATE.exec(date);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(year, month - 1, day);
  const d = new Date(ms);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return ms / MS_PER_DAY;
}

/** Like parseDay, for dates that come from our own clock: a bad one is a bug, not data. */
export function requireDay(date: string, what: string): number {
  const day = parseDay(date);
  if (day === null) throw new RangeError(`${what} must be a valid YYYY-MM-DD date, got ${JSON.stringify(date)}`);
  return day;
}

/** YYYY-MM-DD of a day number. */
export function isoDay(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/**
 * Whether `date` is a valid YYYY-MM-DD within [from, to] (both YYYY-MM-DD). Valid ISO dates sort
 * as strings, so the costly parse runs only for the few dates inside the range.
 */
export function isDateWithin(date: string, from: string, to: string): boolean {
  return date.length === 10 && date >= from && date <= to && parseDay(date) !== null;
}

/** The same calendar day `years` years earlier (29 February falls back to the 28th). */
export function yearsBefore(day: number, years: number): number {
  const d = new Date(day * MS_PER_DAY);
  const year = d.getUTCFullYear() - years;
  const month = d.getUTCMonth();
  const lastOfMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(year, month, Math.min(d.getUTCDate(), lastOfMonth)) / MS_PER_DAY;
}
