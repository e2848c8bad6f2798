// Fault test: a phase service is down when the coordinator calls it.
//
// | scenario | expected outcome |
// |---|---|
// | analytics killed before the run is triggered (3 retries, backoff 200 ms doubling, max 1 s) | import and cache_sync complete; the indicators call fails UNAVAILABLE and is retried 3 times after 200, 400 and 800 ms (4 attempts in coordinator.run_phases); then the run ends `failed` ("analytics service: … (gave up after 4 attempts)"), indicators `failed`, patterns `skipped`; `error` event (component `analytics`, error_code `UNAVAILABLE`) then `processing_failed` with the same reason as history; with analytics started again, the next run completes |
import { describe, expect, it } from "vitest";
import { api } from "../../support/system.ts";
import {
  expectEventsTellTheTruth,
  expectIntact,
  logLines,
  ofRun,
  readStream,
  streamTail,
  triggerRun,
  useFaultSystem,
  waitForRunEnd,
} from "./support.ts";

const fx = useFaultSystem({
  runDates: 2,
  env: { COORDINATOR_PHASE_RETRIES: "3", COORDINATOR_RETRY_BACKOFF_MS: "200", COORDINATOR_RETRY_BACKOFF_MAX_MS: "1000" },
});
const { dates, query } = fx;

describe("a phase service down when the coordinator calls it", () => {
  it("is retried with backoff, then the run fails with an error event naming the service", async () => {
    await fx.system.kill("analytics", "SIGKILL");
    const tail = await streamTail(fx.redis);
    const runId = await triggerRun(fx.system, { run_date: dates[0], universe: "sp500" });

    const { run, phases } = await waitForRunEnd(query, runId);
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/^indicators phase failed: analytics service: .+ \(gave up after 4 attempts\)$/);
    expect(phases).toEqual([
      expect.objectContaining({ phase: "import", status: "completed", attempts: 1 }),
      expect.objectContaining({ phase: "cache_sync", status: "completed", attempts: 1 }),
      expect.objectContaining({ phase: "indicators", status: "failed", attempts: 4 }),
      expect.objectContaining({ phase: "patterns", status: "skipped", attempts: 0 }),
    ]);
    const retries = logLines(fx.system.logFile("coordinator"), /phase service unavailable, retrying/).filter((l) => l.run_id === runId);
    expect(retries.map((l) => [l.attempt, l.delay_ms])).toEqual([[1, 200], [2, 400], [3, 800]]);
    const times = retries.map((l) => Date.parse(l.time as string));
    expect(times[2]! - times[0]!).toBeGreaterThanOrEqual(400 + 200 - 50); // the backoff was waited out
    await expectIntact(query);

    const events = ofRun(await readStream(fx.redis, tail), runId);
    expectEventsTellTheTruth(events, run, "analytics");
    const error = events.find((e) => e.event === "error")!;
    expect(error.channel).toBe("tickstock:errors");
    expect(error.payload).toMatchObject({
      severity: "error",
      component: "analytics",
      error_code: "UNAVAILABLE",
      message: run.error,
      context: { run_id: runId, phase: "indicators", service: "tickstock.analytics.v1.AnalyticsService", grpc_code: "unavailable", attempts: 4 },
    });
    expect(events.at(-1)!.event).toBe("processing_failed");
    expect(events.indexOf(error)).toBeLessThan(events.length - 1);
    const history = (await (await api(fx.system, "/api/processing/history")).json()) as { runs: { run_id: string; status: string }[] };
    expect(history.runs.find((r) => r.run_id === runId)?.status).toBe("failed");

    // Back up: the next run goes through.
    await fx.system.start("analytics");
    const nextId = await triggerRun(fx.system, { run_date: dates[1], universe: "sp500" });
    const next = await waitForRunEnd(query, nextId);
    expect(next.run.status, next.run.error ?? "").toBe("completed");
  }, 60_000);
});
