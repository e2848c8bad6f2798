// Fault test: Redis stopped for part of a run, then started again on the same port.
//
// The system runs against a redis-server of this file's own. It is stopped (SHUTDOWN SAVE) just
// after the run's processing_started and started again ~3 s later with its data, as a Redis with
// persistence restarts; it refuses writes until a fresh subscriber is on, so that subscriber is
// known to be there before any service delivers what it kept.
//
// | scenario | expected outcome |
// |---|---|
// | Redis down ~3 s during a run | the run ends `completed`, late by about the outage: a phase service hands its result to the coordinator only once its events reached Redis (it waits at most 5 s, then goes on and its events follow later, so past 5 s only each service's own order is kept); `/health` answers 503 `degraded` with `redis: "unavailable"` meanwhile, 200 `healthy` after; events published meanwhile go to the services' `<schema>.event_outbox` (seen non-empty during the outage) and are delivered when Redis is back; the stream `tickstock:events` holds the run's whole contract sequence in order (processing_started … processing_completed); every stream entry of the run also reached pub/sub (the subscriber before the outage plus the one after it received the same envelopes, byte for byte); every outbox table ends empty |
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { latestCompletedTradingDay } from "@tickstock/common/trading-calendar.ts";
import { createTestDatabase, type TestDatabase } from "../../support/db.ts";
import { startSystem, type RunningSystem } from "../../support/system.ts";
import {
  backfill,
  CALENDAR,
  expectEventsTellTheTruth,
  expectIntact,
  FAST_FAULTS,
  ofRun,
  readStream,
  sleep,
  startOwnRedis,
  streamTail,
  subscribe,
  syncCache,
  triggerRun,
  waitForRunEnd,
  waitUntil,
  type OwnRedis,
} from "./support.ts";

const MAIN_SEQUENCE = [
  "processing_started",
  "import_started",
  "import_progress",
  "import_completed",
  "cache_sync_started",
  "cache_sync_phase_completed",
  "indicator_processing_started",
  "indicator_progress",
  "indicator_processing_completed",
  "pattern_processing_started",
  "pattern_progress",
  "pattern_processing_completed",
  "processing_completed",
];
const OUTBOXES = ["import", "cache_sync", "analytics", "coordinator"].map((s) => `${s}.event_outbox`);

let db: TestDatabase;
let dir: string;
let redisServer: OwnRedis;
let system: RunningSystem;
const runDate = latestCompletedTradingDay(new Date(), CALENDAR);

const outboxed = async () => {
  const { rows } = await db.query<{ n: number }>(`SELECT (${OUTBOXES.map((t) => `(SELECT count(*) FROM ${t})`).join(" + ")})::int AS n`);
  return rows[0]!.n;
};
const health = async () => {
  const res = await fetch(`${system.gatewayUrl}/health`);
  return { status: res.status, body: (await res.json()) as { status: string; services: Record<string, string> } };
};

beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), "tickstock-redis-outage-"));
  redisServer = await startOwnRedis(dir);
  system = await startSystem(db, { ...FAST_FAULTS, ANALYTICS_BATCH_SYMBOLS: "50", REDIS_URL: redisServer.url });
  await backfill(system, runDate, 260);
  await syncCache(system);
}, 120_000);

afterAll(async () => {
  await system?.stop();
  await redisServer?.stop();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("Redis stopped during a run", () => {
  it("the run completes, and every event of the outage reaches the stream, in order, and the channels", async () => {
    const control = new Redis(redisServer.url);
    const tail = await streamTail(control);
    control.disconnect();
    const before = await subscribe(redisServer.url);
    const runId = await triggerRun(system, { run_date: runDate, universe: "top_500" });
    await waitUntil("processing_started on pub/sub", async () => before.events.some((e) => e.raw.includes(runId)));

    await redisServer.stop();
    const seenBefore = [...before.events];
    await before.close();
    const down = Date.now();
    const degraded = await health();
    expect(degraded.status).toBe(503);
    expect(degraded.body).toMatchObject({ status: "degraded", services: { redis: "unavailable", postgres: "serving", coordinator: "serving" } });
    // The run goes on: what the services publish meanwhile waits in their outbox tables.
    await waitUntil("events spilled to an outbox", async () => (await outboxed()) > 0, 10_000);
    await sleep(Math.max(0, 3_000 - (Date.now() - down)));

    await redisServer.start({ refuseWrites: true });
    const after = await subscribe(redisServer.url);
    await redisServer.acceptWrites();
    try {
      const { run } = await waitForRunEnd((sql, params) => db.query(sql, params), runId);
      expect(run.status, run.error ?? "").toBe("completed");
      await waitUntil("every outbox drained", async () => (await outboxed()) === 0, 20_000, 100);
      await expectIntact((sql, params) => db.query(sql, params));
      await waitUntil("healthy again", async () => (await health()).status === 200, 10_000, 200);

      const reader = new Redis(redisServer.url);
      const events = ofRun(await readStream(reader, tail), runId);
      reader.disconnect();
      expectEventsTellTheTruth(events, run);
      const main = events.map((e) => e.event).filter((e) => MAIN_SEQUENCE.includes(e));
      const collapsed = main.filter((e, i) => !(e.endsWith("_progress") && main[i - 1] === e));
      expect(collapsed).toEqual(MAIN_SEQUENCE);

      // Pub/sub got the same envelopes as the stream: before the outage, or from the outboxes after it.
      await sleep(200);
      const published = [...seenBefore, ...after.events].filter((e) => ofRun([parse(e)], runId).length === 1);
      expect(published.map((e) => `${e.channel} ${e.raw}`).sort()).toEqual(events.map((e) => `${e.channel} ${e.data}`).sort());
    } finally {
      await after.close();
    }
  }, 90_000);
});

function parse(e: { channel: string; raw: string }) {
  const env = JSON.parse(e.raw) as { event: string; source: string; payload: Record<string, unknown> };
  return { id: "", channel: e.channel, data: e.raw, ...env };
}
