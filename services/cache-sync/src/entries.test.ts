import { describe, expect, it } from "vitest";
import { cacheContent, currentUniverses, symbolsOf } from "./entries.ts";

describe("cacheContent", () => {
  it("is exactly symbols, count, last_updated and metadata", () => {
    const content = cacheContent({ name: "mega_cap", type: "market_cap", symbols: ["AAPL", "MSFT"], metadata: { market_cap_range: "mega_cap" } }, new Date("2025-01-25T16:35:00Z"));
    expect(content).toEqual({ symbols: ["AAPL", "MSFT"], count: 2, last_updated: "2025-01-25T16:35:00.000Z", metadata: { market_cap_range: "mega_cap" } });
    expect(Object.keys(content)).toEqual(["symbols", "count", "last_updated", "metadata"]);
  });
});

describe("currentUniverses", () => {
  it("reads stored rows as the planner's input", () => {
    const current = currentUniverses([{ universe: "top_100", cache_type: "top_n", symbols: ["A", "B"], metadata: { limit: 100 } }]);
    expect(current.get("top_100")).toEqual({ symbols: ["A", "B"], type: "top_n", metadata: { limit: 100 } });
  });

  it("reads a row not shaped like ours as an empty universe without metadata", () => {
    const current = currentUniverses([{ universe: "odd", cache_type: "theme", symbols: { not: "a list" }, metadata: ["x"] }]);
    expect(current.get("odd")).toEqual({ symbols: [], type: "theme", metadata: {} });
  });
});

describe("symbolsOf", () => {
  it("keeps the strings of an array and nothing else", () => {
    expect(symbolsOf(["A", 1, null, "B"])).toEqual(["A", "B"]);
    expect(symbolsOf(null)).toEqual([]);
    expect(symbolsOf("A")).toEqual([]);
  });
});
