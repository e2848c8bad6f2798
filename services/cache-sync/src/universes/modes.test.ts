import { describe, expect, it } from "vitest";
import { tasksForMode } from "./modes.ts";

describe("tasksForMode", () => {
  it("runs every task in full mode, the clean-up last", () => {
    expect(tasksForMode("full")).toEqual(["market_cap_recalculation", "theme_rebalancing", "ipo_universe_assignment", "delisted_cleanup"]);
  });

  it("runs the market-cap task and the clean-up in market_cap mode", () => {
    expect(tasksForMode("market_cap")).toEqual(["market_cap_recalculation", "delisted_cleanup"]);
  });

  it("runs one task in themes and ipos modes", () => {
    expect(tasksForMode("themes")).toEqual(["theme_rebalancing"]);
    expect(tasksForMode("ipos")).toEqual(["ipo_universe_assignment"]);
  });

  it("returns a copy the caller may change", () => {
    tasksForMode("full").pop();
    expect(tasksForMode("full")).toHaveLength(4);
  });
});
