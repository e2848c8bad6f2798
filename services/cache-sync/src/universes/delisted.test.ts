import { describe, expect, it } from "vitest";
import { delistedCleanup } from "./delisted.ts";
import { sym } from "./fixtures.ts";

const symbols = [sym("AAPL"), sym("MSFT"), sym("OFF", { active: false }), sym("DEL", { delistedDate: "2025-01-10" })];

describe("delistedCleanup", () => {
  it("removes inactive symbols from every universe", () => {
    const { cleaned } = delistedCleanup(new Map([["a", ["AAPL", "OFF"]], ["b", ["OFF", "MSFT"]]]), symbols);
    expect(cleaned).toEqual(new Map([["a", ["AAPL"]], ["b", ["MSFT"]]]));
  });

  it("removes symbols with a delisting date even if still flagged active", () => {
    expect(delistedCleanup(new Map([["a", ["DEL", "AAPL"]]]), symbols).cleaned.get("a")).toEqual(["AAPL"]);
  });

  it("removes symbols the symbol list does not know", () => {
    expect(delistedCleanup(new Map([["a", ["GHOST", "AAPL"]]]), symbols).removed).toEqual(["GHOST"]);
  });

  it("reports each removed symbol once and the universes affected, sorted", () => {
    const result = delistedCleanup(new Map([["z", ["OFF", "DEL"]], ["m", ["AAPL"]], ["a", ["OFF"]]]), symbols);
    expect(result.removed).toEqual(["DEL", "OFF"]);
    expect(result.universesAffected).toEqual(["a", "z"]);
  });

  it("keeps the order of the remaining members", () => {
    expect(delistedCleanup(new Map([["a", ["MSFT", "OFF", "AAPL"]]]), symbols).cleaned.get("a")).toEqual(["MSFT", "AAPL"]);
  });

  it("keeps a symbol that has a live record besides a dead one", () => {
    const result = delistedCleanup(new Map([["a", ["META"]]]), [sym("META", { active: false, delistedDate: "2012-01-01" }), sym("META")]);
    expect(result.removed).toEqual([]);
  });

  it("changes nothing when every member is live", () => {
    const result = delistedCleanup(new Map([["a", ["AAPL", "MSFT"]]]), symbols);
    expect(result).toEqual({ cleaned: new Map([["a", ["AAPL", "MSFT"]]]), removed: [], universesAffected: [] });
  });

  it("empties a universe made only of dead symbols", () => {
    expect(delistedCleanup(new Map([["a", ["OFF"]]]), symbols).cleaned.get("a")).toEqual([]);
  });
});
