// TickStockAppV2's own client code as a test (seeds 000 and 001): its admin route triggers each
// mode through the real gateway, polls the status every 0.2 s until the job ends, its Redis
// listener receives the events, and its cache refresh runs the seed 001 SQL as the read-only
// role. Python is Debian's /usr/bin/python3 with python3-requests and python3-redis: when they
// are missing this test fails (it never skips).
import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import { queryAs } from "../../services/cache-sync/test/harness.ts";
import { API_KEY, startCacheSyncStack, type CacheSyncStack } from "./cache-sync-stack.ts";

const PYTHON = "/usr/bin/python3";
const SCRIPT = fileURLToPath(new URL("./appv2/run_appv2.py", import.meta.url));
const STATUS_KEYS = ["job_id", "mode", "status", "created_at", "start_time", "end_time", "duration_seconds", "triggered_by", "error_details", "progress"];
let stack: CacheSyncStack;

interface AppV2Run {
  route_status: number;
  trigger: { success: boolean; message: string; job_id?: string };
  session_job_id: string;
  polls: (Record<string, unknown> | null)[];
  unknown_job_status: null;
  emits: { event: string; data: Record<string, unknown>; namespace: string }[];
  events: { event: string; timestamp: string; source: string; version: string; payload: Record<string, unknown> }[];
  universes_refreshed: string[];
  refreshes: [string, number][][];
}

async function runAppV2(arg: string, port = stack.port): Promise<AppV2Run> {
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    PYTHONDONTWRITEBYTECODE: "1", // no __pycache__ in the source tree
    TICKSTOCKPL_HOST: "127.0.0.1",
    TICKSTOCKPL_PORT: String(port),
    TICKSTOCKPL_API_KEY: API_KEY,
    REDIS_URL: inject("redisUrl"),
    TICKSTOCK_READER_URL: stack.db.urlFor("reader"),
  };
  const { stdout } = await promisify(execFile)(PYTHON, [SCRIPT, arg], { env, timeout: 90_000 });
  return JSON.parse(stdout) as AppV2Run;
}

beforeAll(async () => {
  // Fails (not skips) when the interpreter or its two packages are missing, naming what to install.
  await promisify(execFile)(PYTHON, ["-c", "import requests, redis"]).catch((err: { stderr?: string }) => {
    throw new Error(`${PYTHON} cannot import requests and redis (apt-get install -y python3-requests python3-redis): ${err.stderr ?? err}`);
  });
  stack = await startCacheSyncStack();
});

afterAll(async () => {
  await stack?.stop();
});

/** Before each mode after the first, a change in the market that this mode picks up. */
const CHANGES: Record<string, (db: CacheSyncStack["db"]) => Promise<void>> = {
  full: async () => undefined,
  market_cap: async (db) => {
    const { rows } = await db.query<{ symbol: string }>("SELECT content->'symbols'->>0 AS symbol FROM cache_entries WHERE universe = 'mid_cap'");
    await queryAs(db, "import", "UPDATE symbols SET market_cap = 150e9 WHERE symbol = $1", [rows[0]!.symbol]);
  },
  themes: async (db) => {
    const { rows } = await db.query<{ symbol: string }>("SELECT symbol FROM symbols WHERE active AND market_cap > 60e9 AND sic_description NOT ILIKE '%software%' ORDER BY market_cap DESC LIMIT 1");
    await queryAs(db, "import", "UPDATE symbols SET sic_description = 'SERVICES-PREPACKAGED SOFTWARE' WHERE symbol = $1", [rows[0]!.symbol]);
  },
  ipos: async (db) => {
    const { rows } = await db.query<{ s: string }>(
      "SELECT s FROM cache_entries, jsonb_array_elements_text(content->'symbols') AS s WHERE universe = 'small_cap' AND s NOT IN (SELECT jsonb_array_elements_text(content->'symbols') FROM cache_entries WHERE universe = 'recent_ipos') LIMIT 1",
    );
    await queryAs(db, "import", "UPDATE symbols SET list_date = '2025-01-29' WHERE symbol = $1", [rows[0]!.s]);
  },
};

describe("AppV2's seed code against the real gateway", () => {
  for (const mode of ["full", "market_cap", "themes", "ipos"]) {
    it(`${mode}: triggers through the admin route, polls to completed, receives the events, reads the universes`, async () => {
      await CHANGES[mode]!(stack.db);
      const run = await runAppV2(mode);

      expect(run.route_status).toBe(200);
      expect(run.trigger).toEqual({ success: true, message: "Cache sync triggered successfully", job_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      const jobId = run.trigger.job_id!;
      expect(run.session_job_id).toBe(jobId);

      const final = run.polls.at(-1)!;
      expect(Object.keys(final).slice(0, STATUS_KEYS.length)).toEqual(STATUS_KEYS);
      expect(final).toMatchObject({ job_id: jobId, mode, status: "completed", triggered_by: "api", error_details: null, progress: null });
      for (const poll of run.polls) expect(["pending", "running", "completed"]).toContain(poll!.status);
      expect(run.unknown_job_status).toBeNull();

      const events = run.events.filter((e) => e.payload.job_id === jobId);
      expect(events[0]).toMatchObject({ event: "cache_sync_triggered", source: "cache_sync_api", version: "1.0", payload: { job_id: jobId, mode, force: false, triggered_by: "api" } });
      expect(events.at(-1)).toMatchObject({ event: "cache_sync_completed", source: "daily_cache_sync_job", payload: { job_id: jobId, status: "completed", mode } });
      const updated = events.filter((e) => e.event === "universe_updated").map((e) => e.payload.universe);
      expect(updated.length).toBeGreaterThan(0);
      expect(run.universes_refreshed).toEqual(updated);
      expect(events.at(-1)!.payload.universes_updated).toEqual(updated);
      expect(events.at(-1)!.payload.total_changes).toBe(final.total_changes);

      const pushed = run.emits.filter((e) => e.data.job_id === jobId);
      expect(pushed).toEqual([
        { event: "cache_sync_started", data: { job_id: jobId, mode }, namespace: "/admin" },
        { event: "cache_sync_completed", data: { job_id: jobId, status: "completed", duration: final.duration_seconds }, namespace: "/admin" },
      ]);

      // Seed 001's SQL, run by AppV2's cache refresh as the read-only role.
      const listed = run.refreshes.at(-1)!;
      expect(listed.length).toBe(10);
      const { rows } = await stack.db.query<{ universe: string; n: number }>("SELECT universe, jsonb_array_length(content->'symbols') AS n FROM cache_entries");
      const counts = new Map(rows.map((r) => [r.universe, r.n]));
      for (const [universe, count] of listed) expect(count, universe).toBe(counts.get(universe));
      // Newest first: the universes this job rewrote (all written at one instant) lead the list.
      const names = listed.map(([u]) => u);
      if (updated.length >= 10) expect(updated).toEqual(expect.arrayContaining(names));
      else expect(names.slice(0, updated.length).sort()).toEqual([...(updated as string[])].sort());
    });
  }

  it("with TickStockPL down, the admin route reports the failure and the status is None", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    await new Promise((r) => server.close(r));
    const run = await runAppV2("down", port);
    expect(run.route_status).toBe(500);
    expect(run.trigger.success).toBe(false);
    expect(run.trigger.message).toMatch(/^API call failed: /);
    expect((run as unknown as { status: null }).status).toBeNull();
  });
});
