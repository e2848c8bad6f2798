// The operator CLI `tickstock` as a real subprocess (packages/cli/bin/tickstock.js) against the
// whole system as real processes: the gateway's Connect endpoints for commands, Redis for
// `run --watch` and `events tail`; its output, its one-line errors and its exit codes.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/db.ts";
import { api, API_KEY, startSystem, type RunningSystem } from "../support/system.ts";

const BIN = fileURLToPath(new URL("../../packages/cli/bin/tickstock.js", import.meta.url));
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

let db: TestDatabase;
let system: RunningSystem;
let redis: Redis;

beforeAll(async () => {
  db = await createTestDatabase();
  // A tight trigger limit, so the last test can reach it: this file triggers fewer than 6 times before.
  system = await startSystem(db, { RATE_LIMIT_TRIGGERS_PER_MINUTE: "1", RATE_LIMIT_TRIGGER_BURST: "6" });
  redis = new Redis(inject("redisUrl"));
}, 180_000);

afterAll(async () => {
  redis?.disconnect();
  await system?.stop();
  await db?.drop();
});

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function start(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, TICKSTOCK_URL: system.gatewayUrl, TICKSTOCK_API_KEY: API_KEY, REDIS_URL: inject("redisUrl"), TICKSTOCK_TIMEOUT_MS: "20000", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const result: Result = { code: null, signal: null, stdout: "", stderr: "" };
  child.stdout.on("data", (c) => (result.stdout += c));
  child.stderr.on("data", (c) => (result.stderr += c));
  const done = new Promise<Result>((resolve) => child.once("close", (code, signal) => resolve({ ...result, code, signal, stdout: result.stdout, stderr: result.stderr })));
  return { child, result, done };
}

const tickstock = (args: string[], env: Record<string, string> = {}) => start(args, env).done;

/** A failure: exactly one line on stderr, `tickstock: …`, nothing on stdout. */
function expectOneLineError(r: Result, code: number, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stdout).toBe("");
  expect(r.stderr.endsWith("\n")).toBe(true);
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(/^tickstock: /);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\bat .+:\d+:\d+/);
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("tickstock status, history, schedule", () => {
  it("status: the run state as text, and with --json exactly what REST answers", async () => {
    const text = await tickstock(["status"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^Status:\s+idle$/m);
    expect(text.stdout).toMatch(/^Current phase:\s+-$/m);
    const json = await tickstock(["status", "--json"]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(await (await api(system, "/api/processing/status")).json());
  });

  it("history: a table, --days validated, --json as REST", async () => {
    const text = await tickstock(["history", "--days", "30"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.split("\n")[0]).toMatch(/^RUN ID\s+DATE\s+STATUS\s+TRIGGER\s+STARTED\s+DURATION\s+SYMBOLS\s+INDICATORS\s+PATTERNS$/);
    const json = await tickstock(["--json", "history", "--days", "30"]);
    expect(JSON.parse(json.stdout)).toEqual(await (await api(system, "/api/processing/history?days=30")).json());
  });

  it("schedule: get, set (the whole schedule after the change), and the change is stored", async () => {
    const get = await tickstock(["schedule"]);
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout).toMatch(/^Enabled:\s+(yes|no)$/m);
    expect(get.stdout).toMatch(/^Time:\s+\d{2}:\d{2} \S+$/m);
    const set = await tickstock(["schedule", "set", "--time", "16:40", "--timezone", "America/Chicago", "--universes", "sp500,nasdaq100", "--enabled", "true"]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/^schedule updated$/m);
    expect(set.stdout).toMatch(/^Time:\s+16:40 America\/Chicago$/m);
    expect(set.stdout).toMatch(/^Universes:\s+sp500, nasdaq100$/m);
    const rest = await (await api(system, "/api/processing/schedule")).json();
    expect(rest).toMatchObject({ enabled: true, trigger_time: "16:40", timezone: "America/Chicago", universes: ["sp500", "nasdaq100"] });
    const json = await tickstock(["schedule", "--json"]);
    expect(JSON.parse(json.stdout)).toEqual(rest);
    const off = await tickstock(["schedule", "set", "--enabled", "false", "--json"]);
    expect(JSON.parse(off.stdout)).toMatchObject({ enabled: false, trigger_time: "16:40", next_run: null });
  });
});

describe("tickstock errors: one line, an exit code", () => {
  it("bad usage exits 2 before calling anything", async () => {
    const cases: [string[], RegExp][] = [
      [["frobnicate"], /unknown command "frobnicate"/],
      [["history", "--days", "0"], /--days: /],
      [["history", "--verbose"], /--verbose/],
      [["schedule", "set"], /give at least one of --enabled, --time, --timezone, --universes/],
      [["schedule", "set", "--time", "4pm"], /--time: expected HH:MM/],
      [["run", "--phases", "import,everything"], /--phases: /],
      [["run", "--date", "2025-13-01"], /--date: /],
      [["cache-sync", "status"], /missing <job_id>/],
      [["cache-sync", "trigger", "--mode", "all"], /--mode: expected one of full, market_cap, themes, ipos/],
      [["events", "tail", "--from", "1-0", "--last", "2"], /give --from or --last, not both/],
    ];
    for (const [args, pattern] of cases) expectOneLineError(await tickstock(args, { TICKSTOCK_URL: "http://127.0.0.1:1" }), 2, pattern);
  });

  it("a bad environment exits 2 naming the variable", async () => {
    expectOneLineError(await tickstock(["status"], { TICKSTOCK_URL: "gateway:8080" }), 2, /TICKSTOCK_URL/);
  });

  it("an unreachable gateway exits 1 saying where it looked", async () => {
    expectOneLineError(await tickstock(["status"], { TICKSTOCK_URL: "http://127.0.0.1:1" }), 1, /cannot reach the gateway at http:\/\/127\.0\.0\.1:1 .*ECONNREFUSED/);
  });

  it("a wrong key exits 1 with unauthenticated, and the key is not echoed", async () => {
    const r = await tickstock(["history"], { TICKSTOCK_API_KEY: "not-the-key-0123456789" });
    expectOneLineError(r, 1, /unauthenticated: missing or invalid X-API-Key \(set TICKSTOCK_API_KEY\)/);
    expect(r.stderr).not.toContain("not-the-key-0123456789");
  });

  it("an answer the server refuses exits 1 with its code and message", async () => {
    expectOneLineError(await tickstock(["cache-sync", "status", "00000000-0000-4000-8000-000000000000"]), 1, /^tickstock: not_found: /);
    expectOneLineError(await tickstock(["schedule", "set", "--universes", "no_such_universe_x"]), 1, /^tickstock: invalid_argument: /);
  });

  it("unreachable Redis for events exits 1 naming REDIS_URL", async () => {
    expectOneLineError(await tickstock(["events", "tail"], { REDIS_URL: "redis://127.0.0.1:1" }), 1, /cannot reach Redis at 127\.0\.0\.1:1 .*REDIS_URL/);
  });
});

describe("tickstock run --watch, cache-sync, events tail", () => {
  let runId = "";

  it("run --watch draws each phase from the run's events and ends with the outcome", async () => {
    const r = await tickstock(["run", "--phases", "import,cache_sync", "--watch"]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    runId = UUID.exec(r.stdout)![0];
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(`run ${runId} started: Processing started successfully`);
    expect(lines.some((l) => new RegExp(`^run ${runId}( \\(\\d{4}-\\d{2}-\\d{2}\\))?$`).test(l))).toBe(true);
    expect(lines.some((l) => /^ {2}import {5}\[#{24}\] 100\.0% {2}completed {2}\d+ symbols, \d+ bars written in /.test(l))).toBe(true);
    expect(lines.some((l) => /^ {2}cache_sync \[#{24}\] 100\.0% {2}completed {2}\d+ changes, /.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(new RegExp(`^run ${runId} completed in .+: \\d+ symbols, 0 indicators, 0 patterns$`));
    const history = await tickstock(["history"]);
    expect(history.stdout).toContain(runId);
  }, 240_000);

  it("run --watch --json prints the run's own event envelopes, one per line", async () => {
    const r = await tickstock(["run", "--phases", "import", "--watch", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as { channel: string; event: string; payload: { run_id: string } });
    const id = events[0]!.payload.run_id;
    expect(events.every((e) => e.payload.run_id === id)).toBe(true);
    expect(events[0]).toMatchObject({ channel: "tickstock:processing:status", event: "processing_started", version: "1.0" });
    expect(events.at(-1)!.event).toBe("processing_completed");
    expect(events.map((e) => e.event)).toContain("import_completed");
  }, 240_000);

  it("cache-sync trigger, status, history, and trigger --watch to the end", async () => {
    const trigger = await tickstock(["cache-sync", "trigger", "--mode", "market_cap", "--force", "--json"]);
    expect(trigger.code, trigger.stderr).toBe(0);
    const triggered = JSON.parse(trigger.stdout);
    expect(triggered).toMatchObject({ success: true, mode: "market_cap" });
    const status = await tickstock(["cache-sync", "status", triggered.job_id]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`^Job:\\s+${triggered.job_id}$`, "m"));
    expect(status.stdout).toMatch(/^Mode:\s+market_cap$/m);
    expect(status.stdout).toMatch(/^Triggered by:\s+api$/m);
    const watched = await tickstock(["cache-sync", "trigger", "--mode", "themes", "--force", "--watch"]);
    expect(watched.code, watched.stderr).toBe(0);
    expect(watched.stdout).toMatch(/done: job [0-9a-f-]{36} completed in /);
    const history = await tickstock(["cache-sync", "history", "--limit", "5"]);
    expect(history.code).toBe(0);
    expect(history.stdout.split("\n")[0]).toMatch(/^JOB ID\s+MODE\s+STATUS\s+TRIGGERED BY\s+CREATED\s+DURATION\s+ERRORS$/);
    expect(history.stdout).toContain(triggered.job_id);
    expect(history.stdout).toMatch(/^jobs 1-\d+ of \d+$/m);
  }, 120_000);

  it("events tail replays the stream after an id (the run's events, in order)", async () => {
    const entries = (await redis.xrange("tickstock:events", "-", "+")) as [string, string[]][];
    const mine = entries.filter(([, f]) => f[3]!.includes(runId));
    expect(mine.length).toBeGreaterThan(3);
    const r = await tickstock(["events", "tail", "--from", mine[0]![0], "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const replayed = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as { id: string; channel: string; event: string; payload: { run_id?: string } });
    expect(replayed.filter((e) => e.payload.run_id === runId).map((e) => e.id)).toEqual(mine.slice(1).map(([id]) => id));
    const last = await tickstock(["events", "tail", "--last", "2"]);
    expect(last.stdout.trimEnd().split("\n")).toHaveLength(2);
    expect(last.stdout).toMatch(/^\d+-\d+ {2}\d{4}-\d{2}-\d{2}T\S+ {2}tickstock:\S+ {2}\w+ {2}\{/m);
  });

  it("events tail --follow prints new events as they come, and stops on Ctrl-C", async () => {
    const newest = (await redis.xrevrange("tickstock:events", "+", "-", "COUNT", 1)) as [string, string[]][];
    const from = newest[0]![0];
    const follow = start(["events", "tail", "--from", from, "--follow", "--json"]);
    const set = await tickstock(["schedule", "set", "--time", "03:17"]);
    expect(set.code, set.stderr).toBe(0);
    await waitFor(() => follow.result.stdout.includes('"trigger_time":"03:17"'), 15_000, "the schedule_updated event");
    follow.child.kill("SIGINT");
    const r = await follow.done;
    expect(r.code).toBe(130);
    const event = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l)).find((e) => e.payload.trigger_time === "03:17");
    expect(event).toMatchObject({ channel: "tickstock:processing:schedule", event: "schedule_updated", id: expect.stringMatching(/^\d+-\d+$/) });
  });

  it("past the per-key trigger limit, one line with resource_exhausted and when to retry", async () => {
    let last: Result | undefined;
    for (let i = 0; i < 8; i++) {
      last = await tickstock(["cache-sync", "trigger", "--mode", "ipos"]);
      if (/resource_exhausted/.test(last.stderr)) break;
    }
    expectOneLineError(last!, 1, /^tickstock: resource_exhausted: rate limit: too many triggers with this API key; retry in \d+ s\n$/);
  });
});
