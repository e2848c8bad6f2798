import { describe, expect, it } from "vitest";
import { DEFAULT_CACHE_SYNC_CONFIG as defaults, loadCacheSyncConfig } from "../config.ts";
import { parseDay } from "./dates.ts";
import { sym } from "./fixtures.ts";
import { checkLatestBarDate, checkLatestBars, checkSanity, checkSymbolList } from "./sanity.ts";
import type { Universe } from "./types.ts";

const names = (n: number, prefix = "S") => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const universe = (name: string, symbols: string[]): Universe => ({ name, type: "top_n", symbols, metadata: {} });

describe("checkSanity", () => {
  it("accepts losing exactly 30% of the members", () => {
    expect(checkSanity(new Map([["u", names(10)]]), [universe("u", names(7))], defaults)).toEqual([]);
  });

  it("flags losing more than 30%, naming the universe", () => {
    expect(checkSanity(new Map([["u", names(10)]]), [universe("u", names(6))], defaults)).toEqual([
      "u would lose 4 of its 10 members (40.0%), more than the allowed 30.0%",
    ]);
  });

  it("counts members replaced, not only the size", () => {
    expect(checkSanity(new Map([["u", names(10)]]), [universe("u", names(10, "T"))], defaults)).toHaveLength(1);
  });

  it("ignores universes smaller than minSizeForShrinkCheck", () => {
    expect(checkSanity(new Map([["u", names(9)]]), [universe("u", [])], defaults)).toEqual([]);
  });

  it("ignores universes not stored before", () => {
    expect(checkSanity(new Map(), [universe("u", [])], defaults)).toEqual([]);
  });

  it("accepts growth and re-ranking", () => {
    const before = new Map([["u", names(10)]]);
    expect(checkSanity(before, [universe("u", [...names(10).reverse(), "NEW"])], defaults)).toEqual([]);
  });

  it("reports every universe that shrinks too much", () => {
    const before = new Map([["a", names(20)], ["b", names(20)], ["c", names(20)]]);
    expect(checkSanity(before, [universe("a", []), universe("b", names(20)), universe("c", names(5))], defaults)).toHaveLength(2);
  });

  it("uses the configured ratio and minimum size", () => {
    const strict = loadCacheSyncConfig({ maxShrinkRatio: 0, minSizeForShrinkCheck: 1 });
    expect(checkSanity(new Map([["u", ["A", "B"]]]), [universe("u", ["A"])], strict)).toHaveLength(1);
  });

  it("checks an empty stored universe without dividing by zero", () => {
    const any = loadCacheSyncConfig({ minSizeForShrinkCheck: 0 });
    expect(checkSanity(new Map([["u", []]]), [universe("u", [])], any)).toEqual([]);
  });
});

describe("checkLatestBars", () => {
  const day = parseDay("2025-01-24")!;
  const bar = (d: number) => ({ symbol: "AAPL", day: d, close: 1, volume: 1 });

  it("accepts bars for the latest trading day", () => {
    expect(checkLatestBars([bar(day - 1), bar(day)], day)).toEqual([]);
  });

  it("names the newest day when the latest one is missing", () => {
    expect(checkLatestBars([bar(day - 1)], day)).toEqual(["no bars for the latest trading day 2025-01-24: the newest bar is for 2025-01-23"]);
  });

  it("says so when there are no bars at all", () => {
    expect(checkLatestBars([], day)).toEqual(["no bars for the latest trading day 2025-01-24: there are no bars at all"]);
  });
});

describe("checkLatestBarDate", () => {
  it("accepts bars on the trading day", () => {
    expect(checkLatestBarDate("2025-01-24", "2025-01-24")).toEqual([]);
  });

  it("names the newest day when the trading day is missing", () => {
    expect(checkLatestBarDate("2025-01-23", "2025-01-24")).toEqual(["no bars for the latest trading day 2025-01-24: the newest bar is for 2025-01-23"]);
  });

  it("says so when there are no bars at all", () => {
    expect(checkLatestBarDate("", "2025-01-24")).toEqual(["no bars for the latest trading day 2025-01-24: there are no bars at all"]);
  });
});

describe("checkSymbolList", () => {
  it("accepts a list with a live symbol", () => {
    expect(checkSymbolList([sym("A", { active: false }), sym("B")])).toEqual([]);
  });

  it("flags an empty list, or one of dead symbols only", () => {
    expect(checkSymbolList([])).toEqual(["the import service lists no active symbols (0 symbols in all)"]);
    expect(checkSymbolList([sym("A", { delistedDate: "2025-01-02" })])).toHaveLength(1);
  });
});
