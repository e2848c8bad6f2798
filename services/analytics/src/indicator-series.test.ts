import { describe, expect, it } from "vitest";
import { dateFromDayNumber } from "@tickstock/common/trading-calendar.ts";
import { computeIndicators, indicatorValuesAt } from "./compute.ts";
import { generateBars } from "./compute-speed.ts";
import { indicatorPoints } from "./indicator-series.ts";

const bars = generateBars(300, 21);
const date = (i: number) => dateFromDayNumber(bars.day[i]);

describe("indicatorPoints", () => {
  it("answers one point per bar in the range, valued over the whole history before it", () => {
    const points = indicatorPoints(bars, date(280), date(289));
    expect(points.map((p) => p.date)).toEqual(Array.from({ length: 10 }, (_, k) => date(280 + k)));
    const all = computeIndicators(bars);
    expect(points[0].values).toEqual(indicatorValuesAt(all, 280));
    expect(points[9].values.ema_26).toBe(all.ema_26[289]);
  });

  it("includes both ends, and dates between bars select nothing extra", () => {
    let monday = 100;
    while (bars.day[monday] - bars.day[monday - 1] === 1) monday++;
    const sunday = dateFromDayNumber(bars.day[monday] - 1);
    const points = indicatorPoints(bars, sunday, date(monday + 1));
    expect(points.map((p) => p.date)).toEqual([date(monday), date(monday + 1)]);
  });

  it("leaves out indicators not defined yet (no 0, no NaN)", () => {
    const [first] = indicatorPoints(bars, date(0), date(0));
    expect(first.values).toEqual({ obv: bars.volume[0] });
    const early = indicatorPoints(bars, date(60), date(60))[0].values;
    expect(early.sma_200).toBeUndefined();
    expect(early.sma_50).toBeTypeOf("number");
  });

  it("is empty for a range without bars, or no bars at all", () => {
    expect(indicatorPoints(bars, "1999-01-01", "1999-12-31")).toEqual([]);
    expect(indicatorPoints(bars, "2099-01-01", "2099-12-31")).toEqual([]);
    expect(indicatorPoints(generateBars(0, 1), "2024-01-01", "2024-12-31")).toEqual([]);
  });
});
