import { describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { errorMetadata } from "@tickstock/common/errors.ts";
import { parseJobId, parseMode, parsePage, parseRunDate, parseRunId, parseUniverseName } from "./requests.ts";

/** The code and the field an invalid request is refused with. */
function refusal(fn: () => unknown): { code: Code; field?: string; message: string } | "accepted" {
  try {
    fn();
    return "accepted";
  } catch (err) {
    if (!(err instanceof ConnectError)) throw err;
    return { code: err.code, field: errorMetadata(err)?.field, message: err.rawMessage };
  }
}

describe("parseMode", () => {
  it("defaults to full when not given", () => {
    expect(parseMode(undefined)).toBe("full");
  });

  it("accepts the four modes", () => {
    for (const mode of ["full", "market_cap", "themes", "ipos"]) expect(parseMode(mode)).toBe(mode);
  });

  it("refuses anything else with the contract's message, naming the field", () => {
    for (const bad of ["", "FULL", "all", "market-cap"]) {
      expect(refusal(() => parseMode(bad))).toEqual({ code: Code.InvalidArgument, field: "mode", message: "mode must be one of full, market_cap, themes, ipos" });
    }
  });
});

describe("parseJobId", () => {
  it("accepts a UUID and lower-cases it", () => {
    expect(parseJobId("550E8400-E29B-41D4-A716-446655440000")).toBe("550e8400-e29b-41d4-a716-446655440000");
  });

  it("refuses anything that is not a UUID", () => {
    for (const bad of ["", "123", "550e8400-e29b-41d4-a716-44665544000", "550e8400e29b41d4a716446655440000x", "'; DROP TABLE x"]) {
      expect(refusal(() => parseJobId(bad))).toMatchObject({ code: Code.InvalidArgument, field: "job_id" });
    }
  });
});

describe("parsePage", () => {
  it("defaults to 10 from 0", () => {
    expect(parsePage({})).toEqual({ limit: 10, offset: 0 });
  });

  it("accepts the bounds", () => {
    expect(parsePage({ limit: 1, offset: 0 })).toEqual({ limit: 1, offset: 0 });
    expect(parsePage({ limit: 100, offset: 5000 })).toEqual({ limit: 100, offset: 5000 });
  });

  it("refuses a limit outside 1..100 and a negative offset", () => {
    expect(refusal(() => parsePage({ limit: 0 }))).toMatchObject({ code: Code.InvalidArgument, field: "limit" });
    expect(refusal(() => parsePage({ limit: 101 }))).toMatchObject({ field: "limit" });
    expect(refusal(() => parsePage({ offset: -1 }))).toMatchObject({ code: Code.InvalidArgument, field: "offset" });
  });
});

describe("run fields", () => {
  it("requires a run_id of at most 100 characters", () => {
    expect(parseRunId("run-1")).toBe("run-1");
    expect(refusal(() => parseRunId(""))).toMatchObject({ field: "run_id" });
    expect(refusal(() => parseRunId("x".repeat(101)))).toMatchObject({ field: "run_id" });
  });

  it("reads an empty run_date as the latest trading day and refuses a bad one", () => {
    expect(parseRunDate("")).toBeNull();
    expect(parseRunDate("2025-01-24")).toBe("2025-01-24");
    expect(refusal(() => parseRunDate("2025-02-30"))).toMatchObject({ field: "run_date" });
    expect(refusal(() => parseRunDate("yesterday"))).toMatchObject({ field: "run_date" });
  });

  it("requires a universe name of 1 to 100 characters", () => {
    expect(parseUniverseName("mega_cap")).toBe("mega_cap");
    expect(refusal(() => parseUniverseName(""))).toMatchObject({ field: "universe" });
    expect(refusal(() => parseUniverseName("u".repeat(101)))).toMatchObject({ field: "universe" });
  });
});
