import { describe, expect, it } from "vitest";
import { DEFAULT_PATTERN_CONFIG, INDICATOR_NAMES, computeIndicators, detectPatterns, type BarSeries } from "./compute.ts";
import { generateBars } from "./compute-speed.ts";
import { computeBatch, nextBatchSize, packSeries, seriesAt, skipReason, type SeriesColumns } from "./batch.ts";

const columns = (symbol: string, bars: BarSeries): SeriesColumns => ({
  symbol,
  day: Array.from(bars.day),
  open: Array.from(bars.open),
  high: Array.from(bars.high),
  low: Array.from(bars.low),
  close: Array.from(bars.close),
  volume: Array.from(bars.volume),
});

const lastDay = (bars: BarSeries) => bars.day[bars.day.length - 1];
const long = generateBars(300, 11);
const other = generateBars(300, 12); // same days as `long`
const runDay = lastDay(long);

describe("packSeries / seriesAt", () => {
  it("round-trips each symbol's columns, in order", () => {
    const short = generateBars(20, 13);
    const batch = packSeries([columns("AAA", long), columns("BBB", short), columns("CCC", other)]);
    expect(batch.symbols).toEqual(["AAA", "BBB", "CCC"]);
    expect(Array.from(batch.offsets)).toEqual([0, 300, 320, 620]);
    expect(seriesAt(batch, 1)).toEqual(short);
    expect(seriesAt(batch, 2).close).toEqual(other.close);
  });

  it("packs an empty series as zero bars", () => {
    const none: number[] = [];
    const batch = packSeries([{ symbol: "X", day: none, open: none, high: none, low: none, close: none, volume: none }]);
    expect(seriesAt(batch, 0).close).toHaveLength(0);
  });
});

describe("skipReason", () => {
  it("accepts a long, clean series ending on the run date", () => {
    expect(skipReason(long, runDay)).toBeNull();
  });

  it("skips a series without a bar on the run date", () => {
    expect(skipReason(long, runDay + 1)?.code).toBe("NO_BAR_ON_DATE");
  });

  it("skips a symbol with no bars", () => {
    expect(skipReason(generateBars(0, 1), runDay)?.code).toBe("NO_BARS");
  });

  it("skips a series too short to compute (a recent IPO)", () => {
    const ipo = generateBars(20, 3);
    expect(skipReason(ipo, lastDay(ipo))).toMatchObject({ code: "TOO_SHORT", reason: expect.stringContaining("20 bars") });
  });

  it("skips a series with a hole of missing bars", () => {
    const gappy = generateBars(100, 4);
    for (let i = 50; i < 100; i++) gappy.day[i] += 30;
    expect(skipReason(gappy, lastDay(gappy))?.code).toBe("GAP");
  });

  it("skips a series with a bad value", () => {
    const bad = generateBars(100, 5);
    bad.close[40] = Number.NaN;
    expect(skipReason(bad, lastDay(bad))?.code).toBe("BAD_DATA");
  });
});

describe("computeBatch", () => {
  const short = generateBars(20, 6);

  it("indicators: the run date's value of every indicator, as computeIndicators gives it, NaN for skipped symbols", () => {
    const task = { kind: "indicators" as const, runDay, patternConfig: DEFAULT_PATTERN_CONFIG, batch: packSeries([columns("AAA", long), columns("IPO", short), columns("CCC", other)]) };
    const result = computeBatch(task);
    expect(result.skipped.map((s) => [s.index, s.code])).toEqual([[1, "NO_BAR_ON_DATE"]]);
    const width = INDICATOR_NAMES.length;
    expect(result.values).toHaveLength(3 * width);
    for (const [k, bars] of [[0, long], [2, other]] as const) {
      const expected = computeIndicators(bars);
      INDICATOR_NAMES.forEach((name, j) => expect(result.values[k * width + j], name).toBe(expected[name][bars.close.length - 1]));
    }
    for (let j = 0; j < width; j++) expect(result.values[width + j]).toBeNaN();
    expect(result.detections).toEqual([]);
  });

  it("indicators: NaN (never 0) for an indicator not yet defined on the run date", () => {
    const fifty = generateBars(60, 7);
    const result = computeBatch({ kind: "indicators", runDay: lastDay(fifty), patternConfig: DEFAULT_PATTERN_CONFIG, batch: packSeries([columns("NEW", fifty)]) });
    expect(result.values[INDICATOR_NAMES.indexOf("sma_200")]).toBeNaN();
    expect(result.values[INDICATOR_NAMES.indexOf("sma_50")]).toBeCloseTo(computeIndicators(fifty).sma_50[59], 12);
  });

  it("patterns: detectPatterns on the run date's bar, indexed by symbol", () => {
    const series = Array.from({ length: 30 }, (_, s) => generateBars(300, 100 + s));
    const result = computeBatch({ kind: "patterns", runDay, patternConfig: DEFAULT_PATTERN_CONFIG, batch: packSeries(series.map((b, s) => columns(`S${s}`, b))) });
    const expected = series.flatMap((b, index) => detectPatterns(b, computeIndicators(b), 299, DEFAULT_PATTERN_CONFIG).map((d) => ({ index, ...d })));
    expect(expected.length).toBeGreaterThan(0);
    expect(result.detections).toEqual(expected);
    expect(result.values).toHaveLength(0);
  });

  it("patterns: the configuration reaches the signals (a lower volume multiple finds more spikes)", () => {
    const series = Array.from({ length: 60 }, (_, s) => columns(`S${s}`, generateBars(300, 200 + s)));
    const count = (volumeSpikeMultiple: number) =>
      computeBatch({ kind: "patterns", runDay, patternConfig: { ...DEFAULT_PATTERN_CONFIG, volumeSpikeMultiple }, batch: packSeries(series) })
        .detections.filter((d) => d.pattern === "volume_spike").length;
    expect(count(1.2)).toBeGreaterThan(count(3));
  });
});

describe("nextBatchSize", () => {
  const sizing = { maxSymbols: 500, targetBars: 150_000 };

  it("probes with a small batch before any history length is known", () => {
    expect(nextBatchSize(sizing, { symbols: 0, bars: 0 })).toBe(100);
    expect(nextBatchSize({ ...sizing, maxSymbols: 20 }, { symbols: 0, bars: 0 })).toBe(20);
  });

  it("fills batches to the target bars, up to the most symbols", () => {
    expect(nextBatchSize(sizing, { symbols: 100, bars: 25_200 })).toBe(500); // one year each: 595, capped
    expect(nextBatchSize(sizing, { symbols: 100, bars: 252_000 })).toBe(59); // ten years each
  });

  it("never answers less than one symbol, nor more than ListBars allows", () => {
    expect(nextBatchSize(sizing, { symbols: 1, bars: 10_000_000 })).toBe(1);
    expect(nextBatchSize({ maxSymbols: 9000, targetBars: 1e9 }, { symbols: 10, bars: 10 })).toBe(5000);
  });
});
