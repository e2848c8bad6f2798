import { describe, expect, it } from "vitest";
import {
  addDays,
  dateFromDayNumber,
  dayNumber,
  isTradingDay,
  isValidIsoDate,
  latestCompletedTradingDay,
  nextTradingDay,
  nyseHolidays,
  previousTradingDay,
  tradingDaysBetween,
  zonedDate,
  zonedDateTime,
} from "./trading-calendar.ts";

const CARTER_MOURNING = { specialClosures: ["2025-01-09"] };

// The published NYSE holiday calendars (nyse.com/markets/hours-calendars).
const PUBLISHED: Record<number, string[]> = {
  2024: ["2024-01-01", "2024-01-15", "2024-02-19", "2024-03-29", "2024-05-27", "2024-06-19", "2024-07-04", "2024-09-02", "2024-11-28", "2024-12-25"],
  2025: ["2025-01-01", "2025-01-20", "2025-02-17", "2025-04-18", "2025-05-26", "2025-06-19", "2025-07-04", "2025-09-01", "2025-11-27", "2025-12-25"],
  2026: ["2026-01-01", "2026-01-19", "2026-02-16", "2026-04-03", "2026-05-25", "2026-06-19", "2026-07-03", "2026-09-07", "2026-11-26", "2026-12-25"],
  2027: ["2027-01-01", "2027-01-18", "2027-02-15", "2027-03-26", "2027-05-31", "2027-06-18", "2027-07-05", "2027-09-06", "2027-11-25", "2027-12-24"],
};

describe("nyseHolidays", () => {
  for (const [year, dates] of Object.entries(PUBLISHED)) {
    it(`matches the published NYSE holidays for ${year}`, () => {
      expect([...nyseHolidays(Number(year)).keys()]).toEqual(dates);
    });
  }

  it("names each holiday of 2026", () => {
    expect(Object.fromEntries(nyseHolidays(2026))).toEqual({
      "2026-01-01": "New Year's Day",
      "2026-01-19": "Martin Luther King Jr. Day",
      "2026-02-16": "Washington's Birthday",
      "2026-04-03": "Good Friday",
      "2026-05-25": "Memorial Day",
      "2026-06-19": "Juneteenth National Independence Day",
      "2026-07-03": "Independence Day",
      "2026-09-07": "Labor Day",
      "2026-11-26": "Thanksgiving Day",
      "2026-12-25": "Christmas Day",
    });
  });

  it("adds a configured special closure in date order", () => {
    const holidays = [...nyseHolidays(2025, CARTER_MOURNING)];
    expect(holidays.slice(0, 3)).toEqual([
      ["2025-01-01", "New Year's Day"],
      ["2025-01-09", "Special closure"],
      ["2025-01-20", "Martin Luther King Jr. Day"],
    ]);
  });

  it("ignores special closures of other years, on weekends or on holidays", () => {
    const opts = { specialClosures: ["2024-01-09", "2025-01-11", "2025-12-25"] };
    expect(nyseHolidays(2025, opts).size).toBe(10);
    expect(nyseHolidays(2025, opts).get("2025-12-25")).toBe("Christmas Day");
  });

  it("does not observe a Saturday New Year's Day on the Friday before (2022)", () => {
    expect([...nyseHolidays(2022).values()]).not.toContain("New Year's Day");
    expect(nyseHolidays(2021).has("2021-12-31")).toBe(false);
    expect(nyseHolidays(2022).size).toBe(9);
  });

  it("dates every holiday of a year within that year, 1998–2100", () => {
    for (let year = 1998; year <= 2100; year++) {
      for (const date of nyseHolidays(year).keys()) expect(date.slice(0, 4), date).toBe(String(year));
    }
  });

  it("observes a Sunday New Year's Day on the Monday after (2023)", () => {
    expect(nyseHolidays(2023).get("2023-01-02")).toBe("New Year's Day");
  });

  it("observes Juneteenth from 2022, on Monday when it falls on Sunday", () => {
    expect(nyseHolidays(2022).get("2022-06-20")).toBe("Juneteenth National Independence Day");
    expect([...nyseHolidays(2021).values()]).not.toContain("Juneteenth National Independence Day");
  });

  it("computes Good Friday from Easter", () => {
    const goodFridays = [2019, 2020, 2021, 2022, 2023, 2028, 2038].map((year) =>
      [...nyseHolidays(year)].find(([, name]) => name === "Good Friday")?.[0],
    );
    expect(goodFridays).toEqual(["2019-04-19", "2020-04-10", "2021-04-02", "2022-04-15", "2023-04-07", "2028-04-14", "2038-04-23"]);
  });

  it("rejects a year that is not an integer in 1..9999", () => {
    expect(() => nyseHolidays(2025.5)).toThrow(RangeError);
    expect(() => nyseHolidays(0)).toThrow(RangeError);
  });
});

describe("isTradingDay", () => {
  it("is true on an ordinary weekday", () => {
    expect(isTradingDay("2026-03-04")).toBe(true);
  });

  it("is false on Saturday and Sunday", () => {
    expect(isTradingDay("2026-03-07")).toBe(false);
    expect(isTradingDay("2026-03-08")).toBe(false);
  });

  it("is false on a holiday and on its observed day", () => {
    expect(isTradingDay("2026-11-26")).toBe(false);
    expect(isTradingDay("2026-07-03")).toBe(false);
  });

  it("is true on the day before a Saturday New Year's Day (2021-12-31, 2027-12-31)", () => {
    expect(isTradingDay("2021-12-31")).toBe(true);
    expect(isTradingDay("2027-12-31")).toBe(true);
  });

  it("is false on Friday 2027-01-01, New Year's Day", () => {
    expect(isTradingDay("2027-01-01")).toBe(false);
  });

  it("keeps 2021-06-18 open: Juneteenth was not yet an NYSE holiday", () => {
    expect(isTradingDay("2021-06-18")).toBe(true);
  });

  it("closes 2025-01-09 only when configured as a special closure", () => {
    expect(isTradingDay("2025-01-09")).toBe(true);
    expect(isTradingDay("2025-01-09", CARTER_MOURNING)).toBe(false);
  });

  it("throws on a malformed date or special closure", () => {
    expect(() => isTradingDay("2026-02-30")).toThrow(RangeError);
    expect(() => isTradingDay("2026-03-04", { specialClosures: ["9 Jan 2025"] })).toThrow(RangeError);
  });
});

describe("trading days per year", () => {
  const count = (year: number, opts?: { specialClosures: string[] }) =>
    tradingDaysBetween(`${year}-01-01`, `${year}-12-31`, opts).length;

  it("2022 has 251: New Year's Day fell on a Saturday and was not observed", () => expect(count(2022)).toBe(251));
  it("2024 has 252", () => expect(count(2024)).toBe(252));
  it("2025 has 250 with the Carter day of mourning, 251 without", () => {
    expect(count(2025, CARTER_MOURNING)).toBe(250);
    expect(count(2025)).toBe(251);
  });
  it("2026 has 251", () => expect(count(2026)).toBe(251));
  // 261 weekdays (Jan 1 and Dec 31 are both Fridays) less 10 weekday holidays; Dec 31 stays open.
  it("2027 has 251", () => expect(count(2027)).toBe(251));
});

describe("nextTradingDay / previousTradingDay", () => {
  it("steps from Friday over the weekend to Monday", () => {
    expect(nextTradingDay("2026-03-06")).toBe("2026-03-09");
    expect(previousTradingDay("2026-03-09")).toBe("2026-03-06");
  });

  it("is strict: a trading day is not its own neighbour", () => {
    expect(nextTradingDay("2026-03-04")).toBe("2026-03-05");
    expect(previousTradingDay("2026-03-04")).toBe("2026-03-03");
  });

  it("skips Thanksgiving", () => {
    expect(nextTradingDay("2026-11-25")).toBe("2026-11-27");
    expect(previousTradingDay("2026-11-27")).toBe("2026-11-25");
  });

  it("skips a holiday Friday and the weekend after it (2027-01-01)", () => {
    expect(nextTradingDay("2026-12-31")).toBe("2027-01-04");
    expect(previousTradingDay("2027-01-04")).toBe("2026-12-31");
  });

  it("skips a Good Friday long weekend across Easter", () => {
    expect(nextTradingDay("2026-04-02")).toBe("2026-04-06");
  });

  it("skips a configured special closure", () => {
    expect(nextTradingDay("2025-01-08", CARTER_MOURNING)).toBe("2025-01-10");
    expect(nextTradingDay("2025-01-08")).toBe("2025-01-09");
  });

  it("starts from a non-trading day too", () => {
    expect(nextTradingDay("2026-03-07")).toBe("2026-03-09");
    expect(previousTradingDay("2026-03-08")).toBe("2026-03-06");
  });

  it("throws when configuration closes a whole year", () => {
    const everyDay = tradingDaysBetween("2026-01-01", "2027-06-30");
    expect(() => nextTradingDay("2025-12-31", { specialClosures: everyDay })).toThrow(RangeError);
  });
});

describe("tradingDaysBetween", () => {
  it("includes both ends when they are trading days", () => {
    expect(tradingDaysBetween("2026-03-04", "2026-03-10")).toEqual([
      "2026-03-04", "2026-03-05", "2026-03-06", "2026-03-09", "2026-03-10",
    ]);
  });

  it("is one day for from = to on a trading day and none on a holiday", () => {
    expect(tradingDaysBetween("2026-03-04", "2026-03-04")).toEqual(["2026-03-04"]);
    expect(tradingDaysBetween("2026-12-25", "2026-12-25")).toEqual([]);
  });

  it("is empty when from is after to", () => {
    expect(tradingDaysBetween("2026-03-10", "2026-03-04")).toEqual([]);
  });

  it("crosses a year end", () => {
    expect(tradingDaysBetween("2026-12-24", "2027-01-05")).toEqual([
      "2026-12-24", "2026-12-28", "2026-12-29", "2026-12-30", "2026-12-31", "2027-01-04", "2027-01-05",
    ]);
  });
});

describe("day arithmetic", () => {
  it("numbers days from 1970-01-01", () => {
    expect(dayNumber("1970-01-01")).toBe(0);
    expect(dayNumber("1969-12-31")).toBe(-1);
    expect(dayNumber("2026-03-08")).toBe(20520);
  });

  it("round-trips day numbers over the whole supported range, also before 1970", () => {
    for (const date of ["1970-01-01", "1900-01-01", "1900-02-28", "2000-02-29", "2199-12-31"]) {
      expect(dateFromDayNumber(dayNumber(date))).toBe(date);
    }
  });

  it("refuses years outside 1900..2199 (year 0 is not even a PostgreSQL date)", () => {
    for (const date of ["0000-02-29", "0050-06-01", "1899-12-31", "2200-01-01", "9999-12-31"]) {
      expect(isValidIsoDate(date), date).toBe(false);
      expect(() => dayNumber(date)).toThrow(RangeError);
    }
  });

  it("adds days across month, leap-day and year boundaries", () => {
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(addDays("2025-02-28", 1)).toBe("2025-03-01");
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addDays("2026-01-01", -1)).toBe("2025-12-31");
    expect(addDays("2026-03-04", 0)).toBe("2026-03-04");
  });

  it("rejects a day number that is not an integer", () => {
    expect(() => dateFromDayNumber(1.5)).toThrow(RangeError);
  });
});

describe("isValidIsoDate", () => {
  it("accepts real dates, including a leap day", () => {
    expect(isValidIsoDate("2026-03-04")).toBe(true);
    expect(isValidIsoDate("2024-02-29")).toBe(true);
    expect(isValidIsoDate("2000-02-29")).toBe(true);
  });

  it("rejects impossible dates", () => {
    for (const s of ["2026-02-29", "1900-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-01-00", "2026-01-32"]) {
      expect(isValidIsoDate(s), s).toBe(false);
    }
  });

  it("rejects other formats", () => {
    for (const s of ["", "2026-3-4", "20260304", "2026/03/04", "2026-03-04T00:00:00Z", " 2026-03-04", "2026-03-04\n", "26-03-04", "+2026-03-04"]) {
      expect(isValidIsoDate(s), JSON.stringify(s)).toBe(false);
    }
  });
});

describe("zonedDate", () => {
  it("is the previous day in New York late in the UTC evening", () => {
    expect(zonedDate(new Date("2026-03-07T03:00:00Z"), "America/New_York")).toBe("2026-03-06");
  });

  it("is the next day in Tokyo", () => {
    expect(zonedDate(new Date("2026-03-06T20:00:00Z"), "Asia/Tokyo")).toBe("2026-03-07");
  });

  it("gives the wall-clock time too", () => {
    expect(zonedDateTime(new Date("2026-07-01T20:10:05Z"), "America/New_York")).toEqual({ date: "2026-07-01", time: "16:10:05" });
  });

  it("reads midnight as 00, not 24", () => {
    expect(zonedDateTime(new Date("2026-03-05T05:00:00Z"), "America/New_York").time).toBe("00:00:00");
  });

  it("throws on an invalid Date or an unknown zone", () => {
    expect(() => zonedDate(new Date("nope"), "UTC")).toThrow(RangeError);
    expect(() => zonedDate(new Date(), "Mars/Olympus_Mons")).toThrow(RangeError);
  });
});

describe("latestCompletedTradingDay", () => {
  it("is the previous trading day before 16:00 New York time", () => {
    expect(latestCompletedTradingDay(new Date("2026-03-04T20:59:59Z"))).toBe("2026-03-03"); // 15:59:59 EST
  });

  it("is today from 16:00 New York time on", () => {
    expect(latestCompletedTradingDay(new Date("2026-03-04T21:00:00Z"))).toBe("2026-03-04"); // 16:00 EST
    expect(latestCompletedTradingDay(new Date("2026-07-01T20:00:00Z"))).toBe("2026-07-01"); // 16:00 EDT
  });

  it("uses the New York date, not the UTC date", () => {
    expect(latestCompletedTradingDay(new Date("2026-03-05T02:00:00Z"))).toBe("2026-03-04"); // 21:00 EST on the 4th
  });

  it("is Friday on the weekend", () => {
    expect(latestCompletedTradingDay(new Date("2026-03-07T18:00:00Z"))).toBe("2026-03-06");
    expect(latestCompletedTradingDay(new Date("2026-03-08T23:00:00Z"))).toBe("2026-03-06");
  });

  it("is the day before a holiday, even after the close on the holiday", () => {
    expect(latestCompletedTradingDay(new Date("2026-11-26T23:00:00Z"))).toBe("2026-11-25");
  });

  it("is the previous year's last session on a New Year's Day holiday", () => {
    expect(latestCompletedTradingDay(new Date("2027-01-01T22:00:00Z"))).toBe("2026-12-31");
  });

  it("skips a configured special closure", () => {
    expect(latestCompletedTradingDay(new Date("2025-01-09T22:00:00Z"), CARTER_MOURNING)).toBe("2025-01-08");
    expect(latestCompletedTradingDay(new Date("2025-01-09T22:00:00Z"))).toBe("2025-01-09");
  });

  it("honours another close time and zone", () => {
    const now = new Date("2026-03-04T13:30:00Z"); // 13:30 GMT
    expect(latestCompletedTradingDay(now, { timeZone: "Europe/London", closeTime: "13:30" })).toBe("2026-03-04");
    expect(latestCompletedTradingDay(now, { timeZone: "Europe/London", closeTime: "13:31" })).toBe("2026-03-03");
  });

  it("rejects a malformed close time", () => {
    expect(() => latestCompletedTradingDay(new Date(), { closeTime: "4pm" })).toThrow(RangeError);
  });
});
