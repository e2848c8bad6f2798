import { describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { errorMetadata } from "@tickstock/common/errors.ts";
import { checkIndicatorsQuery, checkPatternsQuery, checkPhaseRequest, resolveRange } from "./requests.ts";

/** The field an InvalidArgument names, or the outcome. */
function fieldOf(fn: () => unknown): string {
  try {
    fn();
    return "ok";
  } catch (err) {
    const e = ConnectError.from(err);
    expect(e.code).toBe(Code.InvalidArgument);
    return errorMetadata(e)?.field ?? "?";
  }
}

const phase = { runId: "run-1", runDate: "2025-06-30", universe: "sp500", symbols: [] as string[] };

describe("checkPhaseRequest", () => {
  it("dedupes and sorts the symbols", () => {
    expect(checkPhaseRequest({ ...phase, symbols: ["MSFT", "AAPL", "MSFT"] }).symbols).toEqual(["AAPL", "MSFT"]);
  });

  it("requires a real run_date", () => {
    expect(fieldOf(() => checkPhaseRequest({ ...phase, runDate: "" }))).toBe("run_date");
    expect(fieldOf(() => checkPhaseRequest({ ...phase, runDate: "2025-02-30" }))).toBe("run_date");
    expect(fieldOf(() => checkPhaseRequest({ ...phase, runDate: "yesterday" }))).toBe("run_date");
  });

  it("refuses symbols that are not tickers, and too many", () => {
    expect(fieldOf(() => checkPhaseRequest({ ...phase, symbols: ["AAPL", "a;drop"] }))).toBe("symbols");
    expect(fieldOf(() => checkPhaseRequest({ ...phase, symbols: Array.from({ length: 20_001 }, (_, i) => `S${i}`) }))).toBe("symbols");
  });

  it("bounds run_id and universe", () => {
    expect(fieldOf(() => checkPhaseRequest({ ...phase, runId: "x".repeat(101) }))).toBe("run_id");
    expect(fieldOf(() => checkPhaseRequest({ ...phase, universe: "x".repeat(101) }))).toBe("universe");
  });
});

describe("checkIndicatorsQuery / resolveRange", () => {
  it("upper-cases the symbol", () => {
    expect(checkIndicatorsQuery({ symbol: "brk.b", from: "", to: "" }, 3660).symbol).toBe("BRK.B");
  });

  it("refuses an empty or malformed symbol, and malformed dates", () => {
    expect(fieldOf(() => checkIndicatorsQuery({ symbol: "", from: "", to: "" }, 3660))).toBe("symbol");
    expect(fieldOf(() => checkIndicatorsQuery({ symbol: "A B", from: "", to: "" }, 3660))).toBe("symbol");
    expect(fieldOf(() => checkIndicatorsQuery({ symbol: "AAPL", from: "2025-13-01", to: "" }, 3660))).toBe("from");
    expect(fieldOf(() => checkIndicatorsQuery({ symbol: "AAPL", from: "", to: "20250101" }, 3660))).toBe("to");
  });

  it("refuses from after to, and a range over the maximum", () => {
    expect(fieldOf(() => checkIndicatorsQuery({ symbol: "AAPL", from: "2025-02-01", to: "2025-01-01" }, 3660))).toBe("from");
    expect(fieldOf(() => checkIndicatorsQuery({ symbol: "AAPL", from: "2025-01-01", to: "2025-01-10" }, 9))).toBe("to");
    expect(fieldOf(() => checkIndicatorsQuery({ symbol: "AAPL", from: "2025-01-01", to: "2025-01-09" }, 9))).toBe("ok");
  });

  it("defaults to to the latest bar and from to 30 days before to", () => {
    const q = checkIndicatorsQuery({ symbol: "AAPL", from: "", to: "" }, 3660);
    expect(resolveRange(q, "2025-06-30", 3660)).toEqual({ from: "2025-05-31", to: "2025-06-30" });
    expect(resolveRange({ ...q, to: "2025-03-31" }, "2025-06-30", 3660)).toEqual({ from: "2025-03-01", to: "2025-03-31" });
  });

  it("checks a range whose end came from the data", () => {
    const q = checkIndicatorsQuery({ symbol: "AAPL", from: "2025-07-01", to: "" }, 3660);
    expect(fieldOf(() => resolveRange(q, "2025-06-30", 3660))).toBe("from");
    const old = checkIndicatorsQuery({ symbol: "AAPL", from: "2000-01-01", to: "" }, 3660);
    expect(fieldOf(() => resolveRange(old, "2025-06-30", 3660))).toBe("to");
  });

  it("answers an empty range when the symbol has no bars and no end was given", () => {
    expect(resolveRange({ symbol: "AAPL", from: "", to: "" }, "", 3660)).toEqual({ from: "", to: "" });
  });

  it("never steps before the first valid date for the default start", () => {
    expect(resolveRange({ symbol: "AAPL", from: "", to: "1900-01-05" }, "", 3660)).toEqual({ from: "1900-01-01", to: "1900-01-05" });
  });

  it("refuses dates outside the years the system handles", () => {
    expect(fieldOf(() => checkIndicatorsQuery({ symbol: "AAPL", from: "0000-01-01", to: "" }, 3660))).toBe("from");
  });
});

describe("checkPatternsQuery", () => {
  const base = { date: "", pattern: "", direction: "", symbol: "" };

  it("defaults: latest date, every pattern, limit 100, offset 0", () => {
    expect(checkPatternsQuery(base)).toEqual({ ...base, limit: 100, offset: 0 });
  });

  it("accepts the known patterns and directions", () => {
    expect(checkPatternsQuery({ ...base, date: "2025-06-30", pattern: "golden_cross", direction: "bullish", symbol: "aapl", limit: 1000, offset: 5 })).toEqual({
      date: "2025-06-30",
      pattern: "golden_cross",
      direction: "bullish",
      symbol: "AAPL",
      limit: 1000,
      offset: 5,
    });
    expect(fieldOf(() => checkPatternsQuery({ ...base, pattern: "engulfing", direction: "neutral" }))).toBe("ok");
  });

  it("names the bad filter", () => {
    expect(fieldOf(() => checkPatternsQuery({ ...base, date: "2025-6-30" }))).toBe("date");
    expect(fieldOf(() => checkPatternsQuery({ ...base, pattern: "Engulfing" }))).toBe("pattern");
    expect(fieldOf(() => checkPatternsQuery({ ...base, direction: "up" }))).toBe("direction");
    expect(fieldOf(() => checkPatternsQuery({ ...base, symbol: "$$$" }))).toBe("symbol");
    expect(fieldOf(() => checkPatternsQuery({ ...base, limit: 0 }))).toBe("limit");
    expect(fieldOf(() => checkPatternsQuery({ ...base, limit: 1001 }))).toBe("limit");
    expect(fieldOf(() => checkPatternsQuery({ ...base, offset: -1 }))).toBe("offset");
  });
});
