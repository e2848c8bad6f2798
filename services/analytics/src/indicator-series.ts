// GetIndicators' answer: TA-Lib's indicators over a symbol's whole stored history, shown for a
// date range. Computed on request rather than read from the stored run values: the series is
// complete for every date with a bar (runs store one date each), exact (each value sees all
// the history before it, as in a run), and equal to what a run stores for its date. Pure.
import { computeIndicators, indicatorValuesAt, type BarSeries } from "./compute.ts";
import { dateFromDayNumber, dayNumber } from "@tickstock/common/trading-calendar.ts";

export interface IndicatorPointView {
  date: string;
  /** Indicators defined on the date (an indicator inside its lookback is absent). */
  values: Record<string, number>;
}

/** The points of the bars dated from..to (YYYY-MM-DD, both included), oldest first. */
export function indicatorPoints(bars: BarSeries, from: string, to: string): IndicatorPointView[] {
  const n = bars.day.length;
  if (n === 0 || from === "" || to === "") return [];
  const fromDay = dayNumber(from);
  const toDay = dayNumber(to);
  let first = 0;
  while (first < n && bars.day[first] < fromDay) first++;
  if (first === n || bars.day[first] > toDay) return [];
  const series = computeIndicators(bars);
  const points: IndicatorPointView[] = [];
  for (let i = first; i < n && bars.day[i] <= toDay; i++) {
    points.push({ date: dateFromDayNumber(bars.day[i]), values: indicatorValuesAt(series, i) });
  }
  return points;
}
