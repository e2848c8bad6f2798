import { describe, expect, it } from "vitest";
import { duration, keyValues, table, timestamp } from "./format.ts";

describe("format", () => {
  it("aligns a table, numbers to the right, missing values as -", () => {
    expect(table(["RUN", "STATUS", "SYMBOLS"], [["a", "completed", 400], ["bb", null, 12]])).toBe(["RUN  STATUS     SYMBOLS", "a    completed      400", "bb   -               12"].join("\n"));
  });

  it("prints only the header of an empty table", () => {
    expect(table(["A", "B"], [])).toBe("A  B");
  });

  it("pads key/value labels alike", () => {
    expect(keyValues([["Status", "idle"], ["Current phase", null], ["Enabled", true]])).toBe(["Status:         idle", "Current phase:  -", "Enabled:        yes"].join("\n"));
  });

  it("writes durations for people", () => {
    expect([duration(4.25), duration(59.96), duration(75), duration(3725), duration(null)]).toEqual(["4.3s", "60s", "1m 15s", "1h 2m 5s", "-"]);
  });

  it("writes timestamps without the T and the fraction", () => {
    expect(timestamp("2025-01-24T21:10:00.123Z")).toBe("2025-01-24 21:10:00Z");
    expect(timestamp(new Date("2025-01-24T21:10:00Z"))).toBe("2025-01-24 21:10:00Z");
    expect(timestamp(undefined)).toBe("-");
  });
});
