import { describe, expect, it } from "vitest";
import { Cron } from "croner";
import { Code, ConnectError } from "@connectrpc/connect";
import { errorMetadata } from "@tickstock/common/errors.ts";
import { zonedDateTimeToInstant } from "@tickstock/common/schedule-time.ts";
import { addDays } from "@tickstock/common/trading-calendar.ts";
import { applyScheduleUpdate, canonicalTimeZone, cronPattern, dueSlot, isSameSchedule, nextRunOf, type Schedule } from "./schedule.ts";

const calendar = { specialClosures: ["2025-01-09"] };
const DEFAULT: Schedule = { enabled: true, triggerTime: "16:10", timezone: "America/New_York", universes: ["sp500", "nasdaq100"] };
const at = (iso: string) => new Date(iso);
const iso = (d: Date | null) => d?.toISOString() ?? null;

function rejection(fn: () => unknown): ConnectError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConnectError) return err;
    throw err;
  }
  throw new Error("expected a ConnectError");
}

describe("applyScheduleUpdate", () => {
  it("changes only the fields given", () => {
    expect(applyScheduleUpdate(DEFAULT, { triggerTime: "16:15", universes: [] })).toEqual({ ...DEFAULT, triggerTime: "16:15" });
    expect(applyScheduleUpdate(DEFAULT, { enabled: false, universes: [] })).toEqual({ ...DEFAULT, enabled: false });
  });

  it("replaces the universes when a non-empty list is given, without duplicates", () => {
    expect(applyScheduleUpdate(DEFAULT, { universes: ["mega_cap", "sp500", "mega_cap"] }).universes).toEqual(["mega_cap", "sp500"]);
  });

  it("stores the canonical spelling of the zone", () => {
    expect(applyScheduleUpdate(DEFAULT, { timezone: "europe/london", universes: [] }).timezone).toBe("Europe/London");
    expect(canonicalTimeZone("US/Eastern")).toMatch(/^(US\/Eastern|America\/New_York)$/);
  });

  it("refuses a trigger_time that is not HH:MM", () => {
    for (const bad of ["4:10", "16:1", "24:00", "16:60", "16:10:00", "4pm", ""]) {
      const err = rejection(() => applyScheduleUpdate(DEFAULT, { triggerTime: bad, universes: [] }));
      expect(err.code, bad).toBe(Code.InvalidArgument);
      expect(errorMetadata(err), bad).toMatchObject({ field: "trigger_time" });
    }
  });

  it("refuses an unknown zone or a UTC offset", () => {
    for (const bad of ["Mars/Olympus", "EST5", "+05:00", ""]) {
      const err = rejection(() => applyScheduleUpdate(DEFAULT, { timezone: bad, universes: [] }));
      expect(errorMetadata(err), bad).toMatchObject({ field: "timezone" });
    }
  });

  it("refuses malformed universe names", () => {
    const err = rejection(() => applyScheduleUpdate(DEFAULT, { universes: ["sp500", "bad name"] }));
    expect(errorMetadata(err)).toMatchObject({ field: "universes" });
  });

  it("does not change the schedule it was given", () => {
    const before = structuredClone(DEFAULT);
    applyScheduleUpdate(DEFAULT, { triggerTime: "09:00", universes: ["all"] });
    expect(DEFAULT).toEqual(before);
  });
});

describe("isSameSchedule", () => {
  it("compares every field, universes in order", () => {
    expect(isSameSchedule(DEFAULT, { ...DEFAULT, universes: ["sp500", "nasdaq100"] })).toBe(true);
    expect(isSameSchedule(DEFAULT, { ...DEFAULT, universes: ["nasdaq100", "sp500"] })).toBe(false);
    expect(isSameSchedule(DEFAULT, { ...DEFAULT, enabled: false })).toBe(false);
  });
});

describe("nextRunOf", () => {
  it("is the contract's example: Friday evening → Monday 16:10 EST", () => {
    expect(iso(nextRunOf(DEFAULT, at("2025-01-24T22:00:00Z"), calendar))).toBe("2025-01-27T21:10:00.000Z");
  });

  it("is null when disabled", () => {
    expect(nextRunOf({ ...DEFAULT, enabled: false }, at("2025-01-24T22:00:00Z"), calendar)).toBeNull();
  });

  it("moves from 21:10Z to 20:10Z across the spring change (2026-03-08)", () => {
    expect(iso(nextRunOf(DEFAULT, at("2026-03-06T21:11:00Z"), calendar))).toBe("2026-03-09T20:10:00.000Z");
  });

  it("moves from 20:10Z to 21:10Z across the autumn change (2026-11-01)", () => {
    expect(iso(nextRunOf(DEFAULT, at("2026-10-30T20:11:00Z"), calendar))).toBe("2026-11-02T21:10:00.000Z");
  });

  it("skips holidays and special closures", () => {
    expect(iso(nextRunOf(DEFAULT, at("2025-01-08T22:00:00Z"), calendar))).toBe("2025-01-10T21:10:00.000Z");
    expect(iso(nextRunOf(DEFAULT, at("2025-12-24T22:00:00Z"), calendar))).toBe("2025-12-26T21:10:00.000Z");
  });
});

describe("dueSlot", () => {
  const monday = at("2025-01-27T21:10:00Z");

  it("is today's slot once its time came on a trading day", () => {
    expect(dueSlot(DEFAULT, null, monday, calendar)).toEqual({ fireDate: "2025-01-27", scheduledFor: monday });
    expect(dueSlot(DEFAULT, null, at("2025-01-27T23:59:00Z"), calendar)?.fireDate).toBe("2025-01-27");
  });

  it("is nothing before the time, on a weekend, a holiday, or when disabled", () => {
    expect(dueSlot(DEFAULT, null, at("2025-01-27T21:09:59Z"), calendar)).toBeNull();
    expect(dueSlot(DEFAULT, null, at("2025-01-25T21:10:00Z"), calendar)).toBeNull();
    expect(dueSlot(DEFAULT, null, at("2025-01-09T21:10:00Z"), calendar)).toBeNull();
    expect(dueSlot({ ...DEFAULT, enabled: false }, null, monday, calendar)).toBeNull();
  });

  it("is nothing once today's slot fired", () => {
    expect(dueSlot(DEFAULT, monday, at("2025-01-27T22:00:00Z"), calendar)).toBeNull();
    expect(dueSlot(DEFAULT, at("2025-01-24T21:10:00Z"), monday, calendar)?.fireDate).toBe("2025-01-27");
  });

  it("uses the local date of the schedule's zone", () => {
    const tokyo = { ...DEFAULT, timezone: "Asia/Tokyo", triggerTime: "06:10" };
    // 2025-01-27 06:10 in Tokyo is Sunday 21:10Z: Monday in Tokyo, a trading day.
    expect(dueSlot(tokyo, null, at("2025-01-26T21:10:00Z"), calendar)?.fireDate).toBe("2025-01-27");
  });
});

describe("cronPattern", () => {
  it("is minute hour, every day", () => {
    expect(cronPattern("16:10")).toBe("10 16 * * *");
    expect(cronPattern("00:05")).toBe("5 0 * * *");
  });

  it("wakes croner at the same instants as the schedule math, across both 2026 DST changes", () => {
    const cron = new Cron(cronPattern("16:10"), { timezone: "America/New_York", paused: true });
    let date = "2026-03-01";
    let from = at("2026-03-01T00:00:00Z");
    for (let i = 0; i < 14; i++) {
      const next = cron.nextRun(from)!;
      expect(next.toISOString(), date).toBe(zonedDateTimeToInstant(date, "16:10", "America/New_York").toISOString());
      from = next;
      date = addDays(date, 1);
    }
    date = "2026-10-25";
    from = at("2026-10-25T00:00:00Z");
    for (let i = 0; i < 14; i++) {
      const next = cron.nextRun(from)!;
      expect(next.toISOString(), date).toBe(zonedDateTimeToInstant(date, "16:10", "America/New_York").toISOString());
      from = next;
      date = addDays(date, 1);
    }
    cron.stop();
  });
});
