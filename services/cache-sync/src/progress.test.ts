import { describe, expect, it } from "vitest";
import { jobSteps, LOAD_STEP, progressAt, progressOf, WRITE_STEP } from "./progress.ts";

describe("jobSteps", () => {
  it("is the mode's tasks, then the write: five steps for a full sync", () => {
    expect(jobSteps("full")).toEqual(["market_cap_recalculation", "theme_rebalancing", "ipo_universe_assignment", "delisted_cleanup", WRITE_STEP]);
  });

  it("has two steps for the single-task modes", () => {
    expect(jobSteps("themes")).toEqual(["theme_rebalancing", WRITE_STEP]);
    expect(jobSteps("ipos")).toEqual(["ipo_universe_assignment", WRITE_STEP]);
    expect(jobSteps("market_cap")).toHaveLength(3);
  });
});

describe("progressAt", () => {
  const steps = jobSteps("full");

  it("shows the first task of a full sync as 1 of 5, 20% (the contract's example)", () => {
    expect(progressAt(steps, "market_cap_recalculation")).toEqual({ currentTask: "market_cap_recalculation", completed: 1, total: 5, percentComplete: 20 });
  });

  it("reaches 100% on the write step", () => {
    expect(progressAt(steps, WRITE_STEP)).toMatchObject({ completed: 5, total: 5, percentComplete: 100 });
  });

  it("shows loading the input as 0%", () => {
    expect(progressAt(steps, LOAD_STEP)).toEqual({ currentTask: LOAD_STEP, completed: 0, total: 5, percentComplete: 0 });
  });

  it("refuses a step the job does not have", () => {
    expect(() => progressAt(jobSteps("ipos"), "theme_rebalancing")).toThrow(RangeError);
  });
});

describe("progressOf", () => {
  it("rounds to one decimal", () => {
    expect(progressOf("x", 1, 3).percentComplete).toBe(33.3);
    expect(progressOf("x", 2, 3).percentComplete).toBe(66.7);
  });

  it("never passes 100 and survives a zero total", () => {
    expect(progressOf("x", 7, 5).percentComplete).toBe(100);
    expect(progressOf("x", 0, 0).percentComplete).toBe(0);
  });
});
