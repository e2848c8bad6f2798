import { describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { errorMetadata } from "@tickstock/common/errors.ts";
import {
  planPhases,
  planRun,
  planScheduledRun,
  retryDelayMs,
  runCounts,
  unionSymbols,
  universeLabel,
  type RunRequest,
} from "./run-plan.ts";

const calendar = { specialClosures: ["2025-01-09"] };
const opts = { calendar, defaultUniverse: "sp500" };
const at = (iso: string) => new Date(iso);
// Monday 2025-01-27 18:00 EST: the 27th's session has closed.
const MONDAY_EVENING = at("2025-01-27T23:00:00Z");
const req = (r: Partial<RunRequest> = {}): RunRequest => ({ phases: [], ...r });

function rejection(fn: () => unknown): ConnectError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConnectError) return err;
    throw err;
  }
  throw new Error("expected a ConnectError");
}

describe("planPhases", () => {
  it("runs all four phases when none or `all` is asked", () => {
    expect(planPhases([])).toEqual(["import", "cache_sync", "indicators", "patterns"]);
    expect(planPhases(["all"])).toEqual(["import", "cache_sync", "indicators", "patterns"]);
    expect(planPhases(["patterns", "all"])).toEqual(["import", "cache_sync", "indicators", "patterns"]);
  });

  it("keeps the fixed order whatever the request's order", () => {
    expect(planPhases(["patterns", "import"])).toEqual(["import", "patterns"]);
    expect(planPhases(["indicators", "cache_sync"])).toEqual(["cache_sync", "indicators"]);
  });

  it("drops duplicates", () => {
    expect(planPhases(["import", "import"])).toEqual(["import"]);
  });

  it("refuses an unknown phase, naming the field and the phases", () => {
    const err = rejection(() => planPhases(["import", "backfill"]));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(errorMetadata(err)).toMatchObject({ field: "phases" });
    expect(err.rawMessage).toContain('"backfill"');
    expect(err.rawMessage).toContain("cache_sync");
  });

  it("is case-sensitive, as the contract spells the names", () => {
    expect(rejection(() => planPhases(["Import"])).code).toBe(Code.InvalidArgument);
  });
});

describe("planRun", () => {
  it("defaults to the latest completed trading day, every phase and the default universe", () => {
    expect(planRun(req(), opts, MONDAY_EVENING)).toEqual({
      runDate: "2025-01-27",
      phases: ["import", "cache_sync", "indicators", "patterns"],
      universes: ["sp500"],
    });
  });

  it("takes the previous session before today's close", () => {
    expect(planRun(req(), opts, at("2025-01-27T15:00:00Z")).runDate).toBe("2025-01-24");
  });

  it("skips a special closure when defaulting the date", () => {
    // Friday 2025-01-10 morning: Thursday the 9th was closed (national day of mourning).
    expect(planRun(req(), opts, at("2025-01-10T14:00:00Z")).runDate).toBe("2025-01-08");
  });

  it("takes an explicit trading day and universe", () => {
    const plan = planRun(req({ runDate: "2025-01-24", universe: "mega_cap", phases: ["indicators"] }), opts, MONDAY_EVENING);
    expect(plan).toEqual({ runDate: "2025-01-24", phases: ["indicators"], universes: ["mega_cap"] });
  });

  it("refuses a malformed run_date as InvalidArgument on run_date", () => {
    for (const bad of ["2025-1-24", "2025-02-30", "yesterday", "", "2025-01-24T00:00:00Z"]) {
      const err = rejection(() => planRun(req({ runDate: bad }), opts, MONDAY_EVENING));
      expect(err.code, bad).toBe(Code.InvalidArgument);
      expect(errorMetadata(err), bad).toMatchObject({ field: "run_date" });
    }
  });

  it("refuses a future run_date even with skip_market_check", () => {
    const err = rejection(() => planRun(req({ runDate: "2025-01-28", skipMarketCheck: true }), opts, MONDAY_EVENING));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toContain("future");
  });

  it("refuses a weekend or holiday as FailedPrecondition saying why", () => {
    for (const day of ["2025-01-25", "2025-01-20", "2025-01-09"]) {
      const err = rejection(() => planRun(req({ runDate: day }), opts, MONDAY_EVENING));
      expect(err.code, day).toBe(Code.FailedPrecondition);
      expect(err.rawMessage, day).toContain("not an NYSE trading day");
      expect(errorMetadata(err), day).toMatchObject({ field: "run_date", run_date: day });
    }
  });

  it("runs a non-trading day when skip_market_check is set", () => {
    expect(planRun(req({ runDate: "2025-01-25", skipMarketCheck: true }), opts, MONDAY_EVENING).runDate).toBe("2025-01-25");
  });

  it("refuses today before the close unless skip_market_check", () => {
    const noon = at("2025-01-27T17:00:00Z");
    expect(rejection(() => planRun(req({ runDate: "2025-01-27" }), opts, noon)).code).toBe(Code.FailedPrecondition);
    expect(planRun(req({ runDate: "2025-01-27", skipMarketCheck: true }), opts, noon).runDate).toBe("2025-01-27");
  });

  it("refuses a malformed universe name", () => {
    for (const bad of ["", "sp 500", "x".repeat(101), "'; drop table"]) {
      const err = rejection(() => planRun(req({ universe: bad }), opts, MONDAY_EVENING));
      expect(err.code, bad).toBe(Code.InvalidArgument);
      expect(errorMetadata(err)).toMatchObject({ field: "universe" });
    }
  });

  it("validates phases before the date", () => {
    const err = rejection(() => planRun(req({ phases: ["nope"], runDate: "bad" }), opts, MONDAY_EVENING));
    expect(errorMetadata(err)).toMatchObject({ field: "phases" });
  });
});

describe("planScheduledRun", () => {
  it("runs every phase over the schedule's universes for the session that closed", () => {
    expect(planScheduledRun(["sp500", "nasdaq100", "sp500"], calendar, at("2025-01-27T21:10:00Z"))).toEqual({
      runDate: "2025-01-27",
      phases: ["import", "cache_sync", "indicators", "patterns"],
      universes: ["sp500", "nasdaq100"],
    });
  });

  it("takes the previous session when fired before the close", () => {
    expect(planScheduledRun(["sp500"], calendar, at("2025-01-27T14:00:00Z")).runDate).toBe("2025-01-24");
  });
});

describe("runCounts", () => {
  it("counts the universe's symbols from the indicators phase", () => {
    const counts = runCounts({
      import: { successful_symbols: 10000 },
      indicators: { successful_symbols: 505, indicators_calculated: 7575 },
      patterns: { successful_symbols: 500, patterns_detected: 1250 },
    });
    expect(counts).toEqual({ symbolsProcessed: 505, indicatorsCalculated: 7575, patternsDetected: 1250 });
  });

  it("falls back to patterns, then to the import", () => {
    expect(runCounts({ import: { successful_symbols: 9 }, patterns: { successful_symbols: 4, patterns_detected: 2 } }).symbolsProcessed).toBe(4);
    expect(runCounts({ import: { successful_symbols: 9 } })).toEqual({ symbolsProcessed: 9, indicatorsCalculated: 0, patternsDetected: 0 });
  });

  it("is zero before any phase completed, and ignores nonsense values", () => {
    expect(runCounts({})).toEqual({ symbolsProcessed: 0, indicatorsCalculated: 0, patternsDetected: 0 });
    expect(runCounts({ indicators: { successful_symbols: "505", indicators_calculated: -1 } }).indicatorsCalculated).toBe(0);
  });
});

describe("helpers", () => {
  it("unions universe members sorted and without duplicates", () => {
    expect(unionSymbols([["MSFT", "AAPL"], ["AAPL", "NVDA"], []])).toEqual(["AAPL", "MSFT", "NVDA"]);
  });

  it("labels several universes with commas", () => {
    expect(universeLabel(["sp500", "nasdaq100"])).toBe("sp500,nasdaq100");
  });

  it("backs off exponentially up to the cap", () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => retryDelayMs(a, 1000, 10_000))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
  });
});
