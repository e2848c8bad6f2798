// Fault tests: `kill -9` of a phase service during a run, then a restart of it.
//
// | scenario | how the kill lands | expected outcome |
// |---|---|---|
// | import killed mid-batch | the test holds `LOCK ohlcv_daily IN SHARE MODE`; import's COPY of the run date's bars waits inside its transaction; SIGKILL; lock released | the batch rolls back (0 bars of the date); the coordinator's call is cut (HTTP/2 CANCEL, then UNAVAILABLE while import is down) and retried with backoff; the restarted import marks the dead import `failed` and the retry imports the date once; run `completed`, import attempts >= 2; no duplicate bars; one `import_completed` |
// | cache-sync killed inside its job transaction | the test holds `LOCK cache_sync.cache_entries_metadata IN SHARE MODE`: the job has written cache_entries (uncommitted) and waits; SIGKILL; lock released | readers never see the uncommitted universes (before, during and after: the old set); the restarted cache-sync ends the orphaned job `failed` ("interrupted …", `error` CACHE_SYNC_INTERRUPTED); the coordinator's retry runs a new job that writes every changed universe at one time; run `completed` |
// | analytics killed mid indicators | SIGKILL after the run's first `indicator_progress` | batches committed so far stay; the coordinator retries the phase; the restarted analytics replaces the date's rows batch by batch; run `completed`, indicators attempts >= 2; one indicator row per (date, symbol), all of the run; the restarted analytics ends the dead process's phase record `failed` ("interrupted …"), the retry's is `completed`: no phase record left `running` |
//
// Every case: the run is never left `running`; exactly one processing_* end event whose status
// is the one history shows; every universe's `count` equals its symbols.
import { describe, expect, it } from "vitest";
import { api } from "../../support/system.ts";
import {
  dataState,
  expectEventsTellTheTruth,
  expectIntact,
  expectWholeJobs,
  holdLock,
  ofRun,
  readStream,
  streamTail,
  triggerRun,
  useFaultSystem,
  waitForBackendGone,
  waitForBlockedBackend,
  waitForEvent,
  waitForRunEnd,
} from "./support.ts";

const fx = useFaultSystem({ runDates: 3, env: { ANALYTICS_BATCH_SYMBOLS: "50" } });
const { dates, query } = fx;

describe("kill -9 of a phase service during a run, then a restart", () => {
  it("import killed inside its write transaction: the batch rolls back, the phase is retried, the date is imported once", async () => {
    const runDate = dates[0]!;
    const before = await expectIntact(query);
    const tail = await streamTail(fx.redis);
    const lock = await holdLock(fx.db.adminUrl, ["LOCK TABLE public.ohlcv_daily IN SHARE MODE"]);
    let pid: number;
    try {
      const runId = await triggerRun(fx.system, { run_date: runDate, universe: "sp500" });
      await waitForEvent(fx.redis, tail, runId, "import_started");
      pid = await waitForBlockedBackend(query, "tickstock-import");
      await fx.system.kill("import", "SIGKILL");
      await lock.release();
      await waitForBackendGone(query, pid);
      // The dead import's batch never committed; its record is still `running`.
      expect((await fx.db.query("SELECT 1 FROM ohlcv_daily WHERE date = $1", [runDate])).rowCount).toBe(0);
      expect((await fx.db.query("SELECT status FROM import.imports WHERE run_id = $1", [runId])).rows).toEqual([{ status: "running" }]);
      await fx.system.start("import");

      const { run, phases } = await waitForRunEnd(query, runId);
      expect(run.status, run.error ?? "").toBe("completed");
      expect(phases.find((p) => p.phase === "import")!.attempts).toBeGreaterThanOrEqual(2);
      expectWholeJobs(before, await expectIntact(query));
      const imports = await fx.db.query<{ status: string }>("SELECT status FROM import.imports WHERE run_id = $1 ORDER BY started_at", [runId]);
      expect(imports.rows.map((r) => r.status)).toEqual(["failed", "completed"]);

      const events = ofRun(await readStream(fx.redis, tail), runId);
      expectEventsTellTheTruth(events, run);
      const completed = events.filter((e) => e.event === "import_completed");
      expect(completed).toHaveLength(1);
      const stored = await fx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM ohlcv_daily WHERE date = $1", [runDate]);
      expect(completed[0]!.payload.bars_written).toBe(stored.rows[0]!.n);
    } finally {
      await lock.release();
    }
  }, 60_000);

  it("cache-sync killed inside its job transaction: no half-written universe is ever visible, a new job writes them all", async () => {
    const runDate = dates[1]!;
    const before = await expectIntact(query);
    expect(before.universes.size).toBeGreaterThan(10); // the previous run filled cache_entries
    const tail = await streamTail(fx.redis);
    const lock = await holdLock(fx.db.adminUrl, ["LOCK TABLE cache_sync.cache_entries_metadata IN SHARE MODE"]);
    try {
      const runId = await triggerRun(fx.system, { run_date: runDate, universe: "sp500" });
      await waitForEvent(fx.redis, tail, runId, "cache_sync_started");
      const pid = await waitForBlockedBackend(query, "tickstock-cache-sync");
      // The job has written its universes and waits to write their metadata: readers see the old set.
      expect((await dataState(query)).universes).toEqual(before.universes);
      const dying = await fx.db.query<{ job_id: string }>("SELECT job_id FROM cache_sync.jobs WHERE run_id = $1 AND status = 'running'", [runId]);
      expect(dying.rows).toHaveLength(1);
      await fx.system.kill("cache_sync", "SIGKILL");
      await lock.release();
      await waitForBackendGone(query, pid);
      expect((await dataState(query)).universes).toEqual(before.universes);
      await fx.system.start("cache_sync");

      const { run, phases } = await waitForRunEnd(query, runId);
      expect(run.status, run.error ?? "").toBe("completed");
      expect(phases.find((p) => p.phase === "cache_sync")!.attempts).toBeGreaterThanOrEqual(2);
      const after = await expectIntact(query);
      expectWholeJobs(before, after);
      expect([...after.universes].filter(([u, t]) => before.universes.get(u) !== t).length).toBeGreaterThan(0);

      const jobs = await fx.db.query<{ job_id: string; status: string; error_details: string | null }>(
        "SELECT job_id, status, error_details FROM cache_sync.jobs WHERE run_id = $1 ORDER BY created_at",
        [runId],
      );
      expect(jobs.rows.map((j) => j.status)).toEqual(["failed", "completed"]);
      expect(jobs.rows[0]!.job_id).toBe(dying.rows[0]!.job_id);
      expect(jobs.rows[0]!.error_details).toMatch(/interrupted/);

      const events = ofRun(await readStream(fx.redis, tail), runId);
      expectEventsTellTheTruth(events, run);
      // The interrupted job is reported as such, then the job that did the work.
      const phaseEnds = events.filter((e) => e.event === "cache_sync_phase_completed").map((e) => [e.payload.job_id, e.payload.status]);
      expect(phaseEnds).toEqual(jobs.rows.map((j) => [j.job_id, j.status]));
      const interrupted = events.find((e) => e.event === "error" && e.payload.error_code === "CACHE_SYNC_INTERRUPTED");
      expect(interrupted?.payload).toMatchObject({ component: "cache_sync", context: { job_id: dying.rows[0]!.job_id, run_id: runId } });
    } finally {
      await lock.release();
    }
  }, 60_000);

  it("analytics killed mid indicators phase: the phase is retried and the date's rows are written once", async () => {
    const runDate = dates[2]!;
    const before = await expectIntact(query);
    const tail = await streamTail(fx.redis);
    const runId = await triggerRun(fx.system, { run_date: runDate, universe: "top_500" });
    await waitForEvent(fx.redis, tail, runId, "indicator_progress");
    await fx.system.kill("analytics", "SIGKILL");
    const partial = await fx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM analytics.indicator_values WHERE date = $1", [runDate]);
    await fx.system.start("analytics");

    const { run, phases } = await waitForRunEnd(query, runId);
    expect(run.status, run.error ?? "").toBe("completed");
    expect(phases.find((p) => p.phase === "indicators")!.attempts).toBeGreaterThanOrEqual(2);
    expectWholeJobs(before, await expectIntact(query));
    const rows = await fx.db.query<{ n: number; runs: string[] }>(
      "SELECT count(*)::int AS n, array_agg(DISTINCT run_id) AS runs FROM analytics.indicator_values WHERE date = $1",
      [runDate],
    );
    expect(rows.rows[0]!.n).toBeGreaterThan(partial.rows[0]!.n);
    expect(rows.rows[0]!.runs).toEqual([runId]);

    const events = ofRun(await readStream(fx.redis, tail), runId);
    expectEventsTellTheTruth(events, run);
    const completed = events.filter((e) => e.event === "indicator_processing_completed");
    expect(completed).toHaveLength(1);
    expect(completed[0]!.payload.indicators_calculated).toBe(run.indicators_calculated);

    // The dead process's phase record was ended by the restarted one; the retry's completed.
    const calls = await fx.db.query<{ status: string; error: string | null }>(
      "SELECT status, error FROM analytics.phase_runs WHERE run_id = $1 AND phase = 'indicators' ORDER BY started_at",
      [runId],
    );
    expect(calls.rows.map((r) => r.status)).toEqual(["failed", "completed"]);
    expect(calls.rows[0]!.error).toMatch(/^interrupted: the analytics process running the phase stopped/);
    const running = await fx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM analytics.phase_runs WHERE status = 'running'");
    expect(running.rows[0]!.n).toBe(0);

    const health = (await (await api(fx.system, "/health")).json()) as { status: string };
    expect(health.status).toBe("healthy");
  }, 60_000);
});
