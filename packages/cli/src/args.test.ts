import { describe, expect, it } from "vitest";
import { parseCommandLine, UsageError } from "./args.ts";

const parse = (line: string) => parseCommandLine(line.split(" ").filter(Boolean));
const usageError = (line: string) => {
  try {
    parse(line);
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  throw new Error(`"${line}" parsed`);
};

describe("parseCommandLine", () => {
  it("reads run with every option", () => {
    expect(parse("run --phases import,cache_sync --universe sp500 --date 2025-01-24 --skip-market-check --watch")).toEqual({
      command: { name: "run", phases: ["import", "cache_sync"], universe: "sp500", date: "2025-01-24", skipMarketCheck: true, watch: true },
      json: false,
    });
    expect(parse("run").command).toEqual({ name: "run", phases: [], universe: undefined, date: undefined, skipMarketCheck: false, watch: false });
  });

  it("takes --json before or after the command", () => {
    expect(parse("--json status")).toEqual({ command: { name: "status" }, json: true });
    expect(parse("history --days 30 --json")).toEqual({ command: { name: "history", days: 30 }, json: true });
  });

  it("reads the subcommands", () => {
    expect(parse("schedule").command).toEqual({ name: "schedule" });
    expect(parse("schedule set --enabled false --time 16:30 --timezone Europe/London --universes sp500,nasdaq100").command).toEqual({
      name: "schedule set",
      enabled: false,
      time: "16:30",
      timezone: "Europe/London",
      universes: ["sp500", "nasdaq100"],
    });
    expect(parse("cache-sync trigger --mode themes --force").command).toEqual({ name: "cache-sync trigger", mode: "themes", force: true, watch: false });
    expect(parse("cache-sync status 0F8FAD5B-D9CB-469F-A165-70867728950E").command).toEqual({ name: "cache-sync status", jobId: "0f8fad5b-d9cb-469f-a165-70867728950e" });
    expect(parse("cache-sync history --limit 5 --offset 10").command).toEqual({ name: "cache-sync history", limit: 5, offset: 10 });
    expect(parse("events tail").command).toEqual({ name: "events tail", from: undefined, last: 20, follow: false });
    expect(parse("events tail --from 1737752000000-0 --follow").command).toEqual({ name: "events tail", from: "1737752000000-0", last: undefined, follow: true });
  });

  it("answers help for no command, help, --help and -h anywhere", () => {
    for (const line of ["", "help", "--help", "status --help", "cache-sync -h", "run -h"]) expect(parse(line).command, line).toEqual({ name: "help" });
  });

  it("refuses bad usage with one line naming the problem", () => {
    expect(usageError("launch")).toBe('unknown command "launch"');
    expect(usageError("cache-sync")).toBe("cache-sync needs a subcommand: trigger, status, history");
    expect(usageError("cache-sync explode")).toBe('unknown command "cache-sync explode"');
    expect(usageError("status --verbose")).toMatch(/Unknown option '--verbose'/);
    expect(usageError("history --days 0")).toMatch(/^--days: /);
    expect(usageError("history --days seven")).toBe("--days: expected a whole number");
    expect(usageError("history --days")).toMatch(/--days/);
    expect(usageError("run --phases import,everything")).toMatch(/^--phases: /);
    expect(usageError("run --date 2025-02-30")).toBe("--date: not a calendar date");
    expect(usageError("schedule set")).toBe("give at least one of --enabled, --time, --timezone, --universes");
    expect(usageError("schedule set --enabled maybe")).toMatch(/^--enabled: /);
    expect(usageError("schedule set --time 25:00")).toBe("--time: expected HH:MM (24-hour)");
    expect(usageError("schedule set --timezone Mars/Olympus")).toBe("--timezone: not an IANA time zone");
    expect(usageError("cache-sync trigger --mode everything")).toMatch(/^--mode: expected one of full, market_cap, themes, ipos/);
    expect(usageError("cache-sync status")).toBe("missing <job_id>: tickstock cache-sync status <job_id>");
    expect(usageError("cache-sync status 42")).toBe("expected a job id (UUID)");
    expect(usageError("cache-sync history --limit 101")).toMatch(/^--limit: /);
    expect(usageError("events tail --from 1-0 --last 3")).toBe("give --from or --last, not both");
    expect(usageError("events tail --from yesterday")).toMatch(/^--from: /);
    expect(usageError("status extra")).toBe('unexpected argument "extra"');
    expect(usageError("--verbose status")).toBe("unknown option --verbose before the command");
  });
});
