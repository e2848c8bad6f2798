// Fault tests: `kill -9` of the coordinator during a run, then a restart of it (heartbeat every
// 200 ms, a run whose owner missed 3 beats is taken over by the next coordinator that looks).
//
// | scenario | how the kill lands | expected outcome |
// |---|---|---|
// | coordinator killed between phases | import completed; the test holds the cache_sync row of coordinator.run_phases (`FOR UPDATE`), so the coordinator waits to start that phase; SIGKILL | the restarted coordinator adopts the run (`error` warning RUN_RESUMED naming the cache_sync phase) and resumes at cache_sync: import is not called again (1 attempt, one `import_completed`); run `completed` |
// | coordinator killed inside a phase | SIGKILL after the run's first `indicator_progress` | analytics sees its caller gone and stops at the next batch (its phase run `cancelled`); the restarted coordinator resumes at indicators, analytics replaces the date's rows; run `completed`, exactly one `processing_completed` |
//
// Both: the run is never left `running`; exactly one processing_* end event, with the status
// history shows; no duplicate bars; every universe's `count` equals its symbols.
import { describe, expect, it } from "vitest";
import { api } from "../../support/system.ts";
import {
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
  waitUntil,
} from "./support.ts";

const fx = useFaultSystem({ runDates: 2, env: { ANALYTICS_BATCH_SYMBOLS: "50" } });
const { dates, query } = fx;

describe("kill -9 of the coordinator during a run, then a restart", () => {
  it("killed between phases: the next coordinator resumes the run at the phase it had not started", async () => {
    const runDate = dates[0]!;
    const before = await expectIntact(query);
    const tail = await streamTail(fx.redis);
    // Holds the import phase in its write until the cache_sync row is locked too.
    const bars = await holdLock(fx.db.adminUrl, ["LOCK TABLE public.ohlcv_daily IN SHARE MODE"]);
    const phaseRow = await holdLock(fx.db.adminUrl, []);
    try {
      const runId = await triggerRun(fx.system, { run_date: runDate, universe: "sp500" });
      await phaseRow.query("SELECT 1 FROM coordinator.run_phases WHERE run_id = $1 AND phase = 'cache_sync' FOR UPDATE", [runId]);
      await bars.release();
      await waitForEvent(fx.redis, tail, runId, "import_completed");
      const pid = await waitForBlockedBackend(query, "tickstock-coordinator");
      const phases = await fx.db.query<{ phase: string; status: string }>("SELECT phase, status FROM coordinator.run_phases WHERE run_id = $1 ORDER BY position", [runId]);
      expect(phases.rows.map((p) => p.status)).toEqual(["completed", "pending", "pending", "pending"]);
      await fx.system.kill("coordinator", "SIGKILL");
      await phaseRow.release();
      await waitForBackendGone(query, pid);
      await fx.system.start("coordinator");

      const { run, phases: after } = await waitForRunEnd(query, runId);
      expect(run.status, run.error ?? "").toBe("completed");
      expect(after.find((p) => p.phase === "import")!.attempts).toBe(1);
      const resumed = await fx.db.query<{ resumed_count: number }>("SELECT resumed_count FROM coordinator.runs WHERE run_id = $1", [runId]);
      expect(resumed.rows[0]!.resumed_count).toBe(1);
      expectWholeJobs(before, await expectIntact(query));

      const events = ofRun(await readStream(fx.redis, tail), runId);
      expectEventsTellTheTruth(events, run);
      expect(events.filter((e) => e.event === "import_completed")).toHaveLength(1);
      const notice = events.find((e) => e.event === "error" && e.payload.error_code === "RUN_RESUMED");
      expect(notice?.payload).toMatchObject({ severity: "warning", component: "coordinator", context: { run_id: runId, phase: "cache_sync" } });
    } finally {
      await bars.release();
      await phaseRow.release();
    }
  }, 60_000);

  it("killed inside the indicators phase: analytics stops, the next coordinator calls it again, the run completes once", async () => {
    const runDate = dates[1]!;
    const before = await expectIntact(query);
    const tail = await streamTail(fx.redis);
    const runId = await triggerRun(fx.system, { run_date: runDate, universe: "top_500" });
    await waitForEvent(fx.redis, tail, runId, "indicator_progress");
    await fx.system.kill("coordinator", "SIGKILL");
    // The caller is gone: analytics ends its phase call `cancelled` at the next batch.
    await waitUntil("analytics to stop the orphaned phase", async () => {
      const { rows } = await fx.db.query<{ status: string }>("SELECT status FROM analytics.phase_runs WHERE run_id = $1 AND phase = 'indicators'", [runId]);
      return rows.length === 1 && rows[0]!.status === "cancelled";
    });
    await fx.system.start("coordinator");

    const { run, phases } = await waitForRunEnd(query, runId);
    expect(run.status, run.error ?? "").toBe("completed");
    expect(phases.map((p) => p.status)).toEqual(["completed", "completed", "completed", "completed"]);
    expectWholeJobs(before, await expectIntact(query));
    const phaseRuns = await fx.db.query<{ status: string }>("SELECT status FROM analytics.phase_runs WHERE run_id = $1 AND phase = 'indicators' ORDER BY started_at", [runId]);
    expect(phaseRuns.rows.map((r) => r.status)).toEqual(["cancelled", "completed"]);
    const rows = await fx.db.query<{ n: number; runs: string[] }>("SELECT count(*)::int AS n, array_agg(DISTINCT run_id) AS runs FROM analytics.indicator_values WHERE date = $1", [runDate]);
    expect(rows.rows[0]!.runs).toEqual([runId]);

    const events = ofRun(await readStream(fx.redis, tail), runId);
    expectEventsTellTheTruth(events, run);
    expect(events.filter((e) => e.event === "processing_started")).toHaveLength(1);
    expect(events.find((e) => e.event === "error" && e.payload.error_code === "RUN_RESUMED")?.payload).toMatchObject({ context: { phase: "indicators" } });

    const status = await (await api(fx.system, "/api/processing/status")).json();
    expect(status).toMatchObject({ status: "idle", run_id: null, last_run: { run_id: runId, status: "completed" } });
  }, 60_000);
});
