import { describe, expect, it } from "vitest";
import { createThrottle, progressOf, successRate } from "./progress.ts";

describe("progressOf", () => {
  it("answers percent and the eta at the pace so far", () => {
    expect(progressOf(250, 1000, 2)).toEqual({ completedSymbols: 250, totalSymbols: 1000, percentComplete: 25, etaSeconds: 6 });
  });

  it("shows 100% and no eta when done", () => {
    expect(progressOf(7, 7, 3)).toEqual({ completedSymbols: 7, totalSymbols: 7, percentComplete: 100, etaSeconds: 0 });
  });

  it("has no eta before anything completed", () => {
    expect(progressOf(0, 10, 1).etaSeconds).toBe(0);
  });

  it("treats an empty phase as complete", () => {
    expect(progressOf(0, 0, 0).percentComplete).toBe(100);
  });

  it("rounds percent to one decimal", () => {
    expect(progressOf(1, 3, 1).percentComplete).toBe(33.3);
  });
});

describe("createThrottle", () => {
  it("lets the first call through, then one per interval", () => {
    const ok = createThrottle(250);
    expect([0, 100, 249, 250, 300, 499, 500].map(ok)).toEqual([true, false, false, true, false, false, true]);
  });

  it("with interval 0 lets every call through", () => {
    const ok = createThrottle(0);
    expect([5, 5, 5].map(ok)).toEqual([true, true, true]);
  });
});

describe("successRate", () => {
  it("is the percent of symbols not skipped, two decimals", () => {
    expect(successRate(299, 300)).toBe(99.67);
    expect(successRate(0, 4)).toBe(0);
  });

  it("is 100 when there was nothing to process", () => {
    expect(successRate(0, 0)).toBe(100);
  });
});
