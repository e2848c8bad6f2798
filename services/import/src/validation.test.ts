import { describe, expect, it } from "vitest";
import type { DailyBars } from "./providers/types.ts";
import { validateDailyBars } from "./validation.ts";

type Row = [symbol: string, open: number, high: number, low: number, close: number, volume: number];

function batch(rows: Row[], extra: Partial<DailyBars> = {}): DailyBars {
  const col = (k: number) => Float64Array.from(rows.map((r) => r[k] as number));
  return { date: "2025-01-24", symbols: rows.map((r) => r[0]), open: col(1), high: col(2), low: col(3), close: col(4), volume: col(5), rejected: [], ...extra };
}

const GOOD: Row = ["AAPL", 10, 11, 9, 10.5, 1000];

function reasonFor(row: Row): string | undefined {
  const { valid, rejected } = validateDailyBars(batch([row]));
  expect(valid.symbols.length + rejected.length).toBe(1);
  return rejected[0]?.reason;
}

describe("validateDailyBars", () => {
  it("keeps a good batch as it is, without copying", () => {
    const input = batch([GOOD, ["MSFT", 400, 401, 399, 400, 0]]);
    const { valid, rejected } = validateDailyBars(input);
    expect(rejected).toEqual([]);
    expect(valid.symbols).toBe(input.symbols);
    expect(valid.close).toBe(input.close);
  });

  it("accepts share classes and dashes: BRK.A, BF-B", () => {
    expect(reasonFor(["BRK.A", 1, 1, 1, 1, 0])).toBeUndefined();
    expect(reasonFor(["BF-B", 1, 1, 1, 1, 0])).toBeUndefined();
  });

  it("accepts open = high = low = close (a flat day) and fractional volume", () => {
    expect(reasonFor(["X", 5, 5, 5, 5, 25933.6])).toBeUndefined();
  });

  it.each([
    ["lower case", "aapl"],
    ["a leading digit", "1ABC"],
    ["empty", ""],
    ["16 characters", "ABCDEFGHIJKLMNOP"],
    ["a space", "AB C"],
    ["Massive's preferred form", "ABCpB"],
  ])("rejects a symbol with %s", (_, symbol) => {
    expect(reasonFor([symbol, 10, 11, 9, 10, 1])).toMatch(/not a ticker/);
  });

  it("accepts a 15-character symbol", () => {
    expect(reasonFor(["ABCDEFGHIJKLMNO", 10, 11, 9, 10, 1])).toBeUndefined();
  });

  it.each([
    ["open NaN", ["A", Number.NaN, 11, 9, 10, 1], /open NaN is not a finite/],
    ["high Infinity", ["A", 10, Infinity, 9, 10, 1], /high Infinity is not a finite/],
    ["low -Infinity", ["A", 10, 11, -Infinity, 10, 1], /low -Infinity/],
    ["close NaN", ["A", 10, 11, 9, Number.NaN, 1], /close NaN/],
    ["volume NaN", ["A", 10, 11, 9, 10, Number.NaN], /volume NaN is not a finite/],
    ["volume Infinity", ["A", 10, 11, 9, 10, Infinity], /volume Infinity/],
  ] as [string, Row, RegExp][])("rejects %s", (_, row, reason) => {
    expect(reasonFor(row)).toMatch(reason);
  });

  it.each([
    ["open 0", ["A", 0, 11, 0, 10, 1], /open 0 is not > 0/],
    ["negative close", ["A", 10, 11, -1, -1, 1], /low -1 is not > 0/],
    ["high 0", ["A", 0, 0, 0, 0, 1], /open 0 is not > 0/],
  ] as [string, Row, RegExp][])("rejects prices that are not positive: %s", (_, row, reason) => {
    expect(reasonFor(row)).toMatch(reason);
  });

  it("rejects high below the close", () => {
    expect(reasonFor(["A", 10, 10.4, 9, 10.5, 1])).toMatch(/high 10.4 < max\(open 10, close 10.5\)/);
  });

  it("rejects high below the open", () => {
    expect(reasonFor(["A", 10.6, 10.5, 9, 10.5, 1])).toMatch(/high 10.5 < max/);
  });

  it("rejects low above the open or the close", () => {
    expect(reasonFor(["A", 10, 11, 10.1, 10.5, 1])).toMatch(/low 10.1 > min\(open 10, close 10.5\)/);
    expect(reasonFor(["A", 10.5, 11, 10.1, 10, 1])).toMatch(/low 10.1 > min/);
  });

  it("rejects high below low", () => {
    expect(reasonFor(["A", 10, 9, 11, 10, 1])).toMatch(/high 9 < low 11/);
  });

  it("rejects a negative volume", () => {
    expect(reasonFor(["A", 10, 11, 9, 10, -1])).toMatch(/volume -1 is negative/);
  });

  it("keeps the first row of a duplicate symbol and rejects the later ones", () => {
    const { valid, rejected } = validateDailyBars(batch([GOOD, ["AAPL", 20, 21, 19, 20, 5], ["AAPL", 30, 31, 29, 30, 5]]));
    expect(valid.symbols).toEqual(["AAPL"]);
    expect(valid.close[0]).toBe(10.5);
    expect(rejected.map((r) => r.reason)).toEqual([expect.stringMatching(/duplicate/), expect.stringMatching(/duplicate/)]);
  });

  it("does not count an invalid row as the first of a duplicate pair", () => {
    const { valid, rejected } = validateDailyBars(batch([["AAPL", -1, 1, 1, 1, 1], GOOD]));
    expect(valid.symbols).toEqual(["AAPL"]);
    expect(rejected).toHaveLength(1);
  });

  it("rejects every row of a batch with an invalid date", () => {
    const { valid, rejected } = validateDailyBars(batch([GOOD, ["MSFT", 1, 1, 1, 1, 1]], { date: "2025-02-30" }));
    expect(valid.symbols).toEqual([]);
    expect(rejected.map((r) => [r.symbol, r.reason])).toEqual([
      ["AAPL", "invalid date"],
      ["MSFT", "invalid date"],
    ]);
  });

  it("keeps the valid rows, in order, with their values, around rejected ones", () => {
    const { valid, rejected } = validateDailyBars(
      batch([["A", 1, 2, 0.5, 1.5, 10], ["bad", 1, 1, 1, 1, 1], ["B", 2, 3, 1, 2.5, 20], ["C", 1, 0.5, 1, 1, 1], ["D", 4, 5, 3, 4.5, 40]]),
    );
    expect(valid.symbols).toEqual(["A", "B", "D"]);
    expect([...valid.open]).toEqual([1, 2, 4]);
    expect([...valid.high]).toEqual([2, 3, 5]);
    expect([...valid.low]).toEqual([0.5, 1, 3]);
    expect([...valid.close]).toEqual([1.5, 2.5, 4.5]);
    expect([...valid.volume]).toEqual([10, 20, 40]);
    expect(rejected.map((r) => r.symbol)).toEqual(["bad", "C"]);
  });

  it("names each rejected row's source: its own, else the batch's", () => {
    const rows: Row[] = [GOOD, ["X", -1, 1, 1, 1, 1]];
    const fromCsv = validateDailyBars(batch(rows, { rowSources: ["a.csv:2", "a.csv:3"] }));
    expect(fromCsv.rejected[0]).toEqual({ symbol: "X", date: "2025-01-24", reason: "open -1 is not > 0", source: "a.csv:3" });
    expect(fromCsv.valid.rowSources).toEqual(["a.csv:2"]);
    const fromMassive = validateDailyBars(batch(rows, { source: "massive grouped 2025-01-24" }));
    expect(fromMassive.rejected[0]?.source).toBe("massive grouped 2025-01-24");
  });

  it("returns only its own rejections; the provider's stay on valid.rejected", () => {
    const providerRejection = { symbol: "Z", date: "2025-01-24", reason: "bad row", source: "p" };
    const { valid, rejected } = validateDailyBars(batch([GOOD, ["X", -1, 1, 1, 1, 1]], { rejected: [providerRejection] }));
    expect(rejected.map((r) => r.symbol)).toEqual(["X"]);
    expect(valid.rejected).toEqual([providerRejection]);
  });

  it("handles an empty batch", () => {
    const { valid, rejected } = validateDailyBars(batch([]));
    expect(valid.symbols).toEqual([]);
    expect(rejected).toEqual([]);
  });

  it("throws on columns of different lengths (a provider bug, not bad data)", () => {
    expect(() => validateDailyBars({ ...batch([GOOD]), close: new Float64Array(0) })).toThrow(RangeError);
  });

  it("validates 100,000 rows quickly", () => {
    const n = 100_000;
    const b: DailyBars = {
      date: "2025-01-24",
      symbols: Array.from({ length: n }, (_, i) => `S${i}`),
      open: new Float64Array(n).fill(10),
      high: new Float64Array(n).fill(11),
      low: new Float64Array(n).fill(9),
      close: new Float64Array(n).fill(10.5),
      volume: new Float64Array(n).fill(100),
      rejected: [],
    };
    b.close[n - 1] = 12; // one bad row forces the copying path
    const started = performance.now();
    const { valid, rejected } = validateDailyBars(b);
    const ms = performance.now() - started;
    expect(valid.symbols).toHaveLength(n - 1);
    expect(rejected).toHaveLength(1);
    expect(ms).toBeLessThan(500);
  });
});
