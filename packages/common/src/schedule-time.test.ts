import { describe, expect, it } from "vitest";
import {
  isValidTimeZone,
  isValidTriggerTime,
  missedScheduledRun,
  nextScheduledRun,
  zonedDateTimeToInstant,
} from "./schedule-time.ts";
import { zonedDateTime } from "./trading-calendar.ts";

const NY = "America/New_York";
const CARTER_MOURNING = { specialClosures: ["2025-01-09"] };
const at = (iso: string) => new Date(iso);
const next = (now: string, time = "16:10", tz = NY, opts?: { specialClosures: string[] }) =>
  nextScheduledRun(at(now), time, tz, opts).toISOString();

describe("isValidTimeZone", () => {
  it("accepts IANA zone names, aliases and UTC", () => {
    for (const tz of ["America/New_York", "Europe/London", "Asia/Kolkata", "Asia/Calcutta", "US/Eastern", "UTC", "Etc/GMT+5"]) {
      expect(isValidTimeZone(tz), tz).toBe(true);
    }
  });

  it("rejects unknown names, abbreviations and padding", () => {
    for (const tz of ["", "Garbage/Zone", "America/Springfield", "EDT", "Eastern", " America/New_York", "America/New_York ", "GMT+5"]) {
      expect(isValidTimeZone(tz), JSON.stringify(tz)).toBe(false);
    }
  });

  it("rejects UTC offsets, which Intl accepts but are not IANA zones", () => {
    for (const tz of ["+05:00", "-03:30", "+0000"]) expect(isValidTimeZone(tz), tz).toBe(false);
  });
});

describe("isValidTriggerTime", () => {
  it("accepts HH:MM from 00:00 to 23:59", () => {
    for (const s of ["00:00", "09:30", "16:10", "23:59"]) expect(isValidTriggerTime(s), s).toBe(true);
  });

  it("rejects out-of-range hours and minutes", () => {
    for (const s of ["24:00", "25:10", "16:60", "99:99"]) expect(isValidTriggerTime(s), s).toBe(false);
  });

  it("rejects other shapes", () => {
    for (const s of ["", "9:30", "16:1", "16:10:00", "1610", "16.10", " 16:10", "16:10\n", "4:10 PM", "١٦:١٠"]) {
      expect(isValidTriggerTime(s), JSON.stringify(s)).toBe(false);
    }
  });
});

describe("zonedDateTimeToInstant", () => {
  it("uses EST in winter and EDT in summer", () => {
    expect(zonedDateTimeToInstant("2026-03-06", "16:10", NY).toISOString()).toBe("2026-03-06T21:10:00.000Z");
    expect(zonedDateTimeToInstant("2026-07-01", "16:10", NY).toISOString()).toBe("2026-07-01T20:10:00.000Z");
  });

  it("handles zones east of UTC whose instant falls on the previous UTC day", () => {
    expect(zonedDateTimeToInstant("2026-03-04", "05:00", "Asia/Tokyo").toISOString()).toBe("2026-03-03T20:00:00.000Z");
    expect(zonedDateTimeToInstant("2026-03-04", "09:15", "Asia/Kolkata").toISOString()).toBe("2026-03-04T03:45:00.000Z");
  });

  it("maps the edges of the New York spring-forward gap", () => {
    expect(zonedDateTimeToInstant("2026-03-08", "01:59", NY).toISOString()).toBe("2026-03-08T06:59:00.000Z"); // EST
    expect(zonedDateTimeToInstant("2026-03-08", "03:00", NY).toISOString()).toBe("2026-03-08T07:00:00.000Z"); // EDT
  });

  it("moves a time inside the spring-forward gap forward by the gap (02:30 -> 03:30 EDT)", () => {
    expect(zonedDateTimeToInstant("2026-03-08", "02:30", NY).toISOString()).toBe("2026-03-08T07:30:00.000Z");
    expect(zonedDateTimeToInstant("2026-03-29", "01:30", "Europe/London").toISOString()).toBe("2026-03-29T01:30:00.000Z"); // 02:30 BST
  });

  it("takes the first occurrence of a time repeated by the fall-back", () => {
    expect(zonedDateTimeToInstant("2026-11-01", "01:30", NY).toISOString()).toBe("2026-11-01T05:30:00.000Z"); // EDT
    expect(zonedDateTimeToInstant("2026-10-25", "01:30", "Europe/London").toISOString()).toBe("2026-10-25T00:30:00.000Z"); // BST
  });

  it("is back on EST right after the repeated hour", () => {
    expect(zonedDateTimeToInstant("2026-11-01", "02:00", NY).toISOString()).toBe("2026-11-01T07:00:00.000Z");
  });

  it("lands after a whole skipped day (Samoa, 2011-12-30)", () => {
    const instant = zonedDateTimeToInstant("2011-12-30", "12:00", "Pacific/Apia");
    expect(zonedDateTime(instant, "Pacific/Apia")).toEqual({ date: "2011-12-31", time: "12:00:00" });
  });

  it("rejects a bad date, time or zone", () => {
    expect(() => zonedDateTimeToInstant("2026-02-30", "16:10", NY)).toThrow(RangeError);
    expect(() => zonedDateTimeToInstant("2026-03-04", "24:00", NY)).toThrow(RangeError);
    expect(() => zonedDateTimeToInstant("2026-03-04", "16:10", "Nowhere/Land")).toThrow(RangeError);
  });
});

describe("nextScheduledRun", () => {
  it("is later today when today's time has not come", () => {
    expect(next("2026-03-04T15:00:00Z")).toBe("2026-03-04T21:10:00.000Z");
  });

  it("is strictly after now: exactly at the trigger minute gives the next trading day", () => {
    expect(next("2026-03-04T21:10:00.000Z")).toBe("2026-03-05T21:10:00.000Z");
    expect(next("2026-03-04T21:09:59.999Z")).toBe("2026-03-04T21:10:00.000Z");
  });

  it("crosses the spring-forward: Friday 16:10 EST -> Monday 16:10 EDT (20:10Z)", () => {
    expect(next("2026-03-06T21:10:00Z")).toBe("2026-03-09T20:10:00.000Z");
  });

  it("crosses the fall-back: Friday 16:10 EDT -> Monday 16:10 EST (21:10Z)", () => {
    expect(next("2026-10-30T20:10:00Z")).toBe("2026-11-02T21:10:00.000Z");
  });

  it("skips the weekend", () => {
    expect(next("2026-03-07T12:00:00Z")).toBe("2026-03-09T20:10:00.000Z");
    expect(next("2026-03-08T23:59:00Z")).toBe("2026-03-09T20:10:00.000Z");
  });

  it("skips Thanksgiving", () => {
    expect(next("2026-11-25T22:00:00Z")).toBe("2026-11-27T21:10:00.000Z");
  });

  it("skips Good Friday and the weekend after it", () => {
    expect(next("2026-04-02T21:00:00Z")).toBe("2026-04-06T20:10:00.000Z");
  });

  it("skips the Friday 2027-01-01 holiday", () => {
    expect(next("2026-12-31T22:00:00Z")).toBe("2027-01-04T21:10:00.000Z");
  });

  it("fires on 2021-12-31, the day before a Saturday New Year's Day", () => {
    expect(next("2021-12-30T22:00:00Z")).toBe("2021-12-31T21:10:00.000Z");
  });

  it("skips a configured special closure only when configured", () => {
    expect(next("2025-01-08T22:00:00Z", "16:10", NY, CARTER_MOURNING)).toBe("2025-01-10T21:10:00.000Z");
    expect(next("2025-01-08T22:00:00Z")).toBe("2025-01-09T21:10:00.000Z");
  });

  it("follows the schedule's own zone and DST (Europe/London, BST from 2026-03-29)", () => {
    expect(next("2026-03-27T09:00:00Z", "08:00", "Europe/London")).toBe("2026-03-30T07:00:00.000Z");
  });

  it("judges trading days by the local date in the schedule's zone", () => {
    // London's Easter Monday is a bank holiday but an NYSE trading day; Good Friday is not.
    expect(next("2026-04-02T08:00:00Z", "08:00", "Europe/London")).toBe("2026-04-06T07:00:00.000Z");
    // 07:00 Saturday in Tokyo is still Friday in New York, yet Saturday is what counts.
    expect(next("2026-03-06T22:00:00Z", "06:10", "Asia/Tokyo")).toBe("2026-03-08T21:10:00.000Z");
  });

  it("fires at midnight triggers on the right local day", () => {
    expect(next("2026-03-06T05:00:00Z", "00:00")).toBe("2026-03-09T04:00:00.000Z");
  });

  it("on a trading day with a spring-forward gap, fires just past the gap (Cairo, Friday 2026-04-24)", () => {
    expect(next("2026-04-23T21:00:00Z", "00:30", "Africa/Cairo")).toBe("2026-04-23T22:30:00.000Z"); // 01:30 EEST
  });

  it("on a trading day with a repeated hour, fires once, at the first occurrence (Cairo, Thursday 2026-10-29)", () => {
    expect(next("2026-10-29T12:00:00Z", "23:30", "Africa/Cairo")).toBe("2026-10-29T20:30:00.000Z"); // EEST
    expect(next("2026-10-29T20:30:00Z", "23:30", "Africa/Cairo")).toBe("2026-10-30T21:30:00.000Z"); // not 21:30Z on the 29th
  });

  it("rejects an invalid now, time or zone", () => {
    expect(() => nextScheduledRun(at("nope"), "16:10", NY)).toThrow(RangeError);
    expect(() => nextScheduledRun(at("2026-03-04T12:00:00Z"), "4:10", NY)).toThrow(RangeError);
    expect(() => nextScheduledRun(at("2026-03-04T12:00:00Z"), "16:10", "+05:00")).toThrow(RangeError);
  });
});

describe("missedScheduledRun", () => {
  const missed = (lastFired: string | null, now: string, time = "16:10", tz = NY, opts?: { specialClosures: string[] }) =>
    missedScheduledRun(lastFired === null ? null : at(lastFired), at(now), time, tz, opts);
  const WEDNESDAY_SLOT = "2026-03-04T21:10:00Z";
  const TUESDAY_SLOT = "2026-03-03T21:10:00Z";

  it("is today when the coordinator was down at 16:10 and is back at 17:00", () => {
    expect(missed(TUESDAY_SLOT, "2026-03-04T22:00:00Z")).toBe("2026-03-04");
  });

  it("is today when nothing was ever fired", () => {
    expect(missed(null, "2026-03-04T22:00:00Z")).toBe("2026-03-04");
  });

  it("is null once today's run has fired", () => {
    expect(missed(WEDNESDAY_SLOT, "2026-03-04T22:00:00Z")).toBeNull();
    expect(missed("2026-03-04T21:10:02Z", "2026-03-04T22:00:00Z")).toBeNull();
  });

  it("is null before today's scheduled time", () => {
    expect(missed(TUESDAY_SLOT, "2026-03-04T21:09:59Z")).toBeNull();
  });

  it("counts the scheduled instant itself as passed (nextScheduledRun covers only later ones)", () => {
    expect(missed(TUESDAY_SLOT, WEDNESDAY_SLOT)).toBe("2026-03-04");
  });

  it("is null on a weekend and on a holiday", () => {
    expect(missed("2026-03-06T21:10:00Z", "2026-03-07T22:00:00Z")).toBeNull();
    expect(missed("2026-11-25T21:10:00Z", "2026-11-26T22:00:00Z")).toBeNull();
  });

  it("is null on a configured special closure", () => {
    expect(missed("2025-01-08T21:10:00Z", "2025-01-09T22:00:00Z", "16:10", NY, CARTER_MOURNING)).toBeNull();
    expect(missed("2025-01-08T21:10:00Z", "2025-01-09T22:00:00Z")).toBe("2025-01-09");
  });

  it("only looks at today: back after midnight New York time, yesterday's miss is not caught up", () => {
    expect(missed(TUESDAY_SLOT, "2026-03-05T05:30:00Z")).toBeNull(); // 00:30 EST on Thursday
  });

  it("uses today's UTC offset after the spring-forward (16:10 EDT = 20:10Z)", () => {
    expect(missed("2026-03-06T21:10:00Z", "2026-03-09T20:30:00Z")).toBe("2026-03-09");
    expect(missed("2026-03-06T21:10:00Z", "2026-03-09T20:05:00Z")).toBeNull();
  });

  it("uses the schedule's own zone for today", () => {
    // 23:30 UTC on Wednesday is already Thursday 08:30 in Tokyo, after an 08:00 trigger.
    expect(missed(null, "2026-03-04T23:30:00Z", "08:00", "Asia/Tokyo")).toBe("2026-03-05");
  });

  it("rejects an invalid lastFired or now", () => {
    expect(() => missed("nope", "2026-03-04T22:00:00Z")).toThrow(RangeError);
    expect(() => missed(null, "nope")).toThrow(RangeError);
  });
});
