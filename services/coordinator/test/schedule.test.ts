import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import type { Redis } from "ioredis";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { errorMetadata } from "@tickstock/common/errors.ts";
import { EVENTS_STREAM } from "@tickstock/common/events.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/db.ts";
import * as store from "../src/store/index.ts";
import { startPhaseStandIns, type PhaseStandIns } from "./support-phases.ts";
import { eventually, readEvents, redisClient, redisDb, startCoordinator, type Coordinator, type HarnessOptions, type TestClock } from "./support-coordinator.ts";

let db: TestDatabase;
let redis: Redis;
let redisUrl: string;
let phases: PhaseStandIns;
const started: Coordinator[] = [];

async function coordinator(clock: TestClock, opts: Partial<HarnessOptions> = {}): Promise<Coordinator> {
  const c = await startCoordinator({ db, redisUrl, addresses: phases.addresses, clock, ...opts });
  started.push(c);
  return c;
}

const iso = (t: Timestamp | undefined) => (t ? timestampDate(t).toISOString() : null);

async function rejected(p: Promise<unknown>): Promise<ConnectError> {
  try {
    await p;
  } catch (err) {
    return ConnectError.from(err);
  }
  throw new Error("expected the call to fail");
}

async function scheduleEvents() {
  return (await readEvents(redis)).filter((e) => e.event === "schedule_updated");
}

async function firings() {
  return (await db.query("SELECT fire_date::text AS fire_date, run_id FROM coordinator.schedule_firings ORDER BY fire_date")).rows;
}

beforeAll(async () => {
  redisUrl = redisDb(inject("redisUrl"), 14);
  db = await createTestDatabase();
  redis = redisClient(redisUrl);
  await redis.del(EVENTS_STREAM);
  phases = await startPhaseStandIns({ redisUrl });
});

afterEach(async () => {
  phases.reset();
  for (const c of started.splice(0)) {
    await c.runs.idle();
    await c.stop();
  }
});

afterAll(async () => {
  await phases?.stop();
  redis?.disconnect();
  await db?.drop();
});

describe("the schedule", () => {
  it("starts as the contract's default, next run on the next trading day", async () => {
    const c = await coordinator({ now: new Date("2025-01-24T22:00:00Z") });
    const s = await c.client.getSchedule({});
    expect(s).toMatchObject({ enabled: true, triggerTime: "16:10", timezone: "America/New_York", universes: ["sp500", "nasdaq100"] });
    expect(iso(s.nextRun)).toBe("2025-01-27T21:10:00.000Z");
  });

  it("moves next_run across both 2026 DST changes", async () => {
    const clock = { now: new Date("2026-03-06T21:11:00Z") };
    const c = await coordinator(clock);
    expect(iso((await c.client.getSchedule({})).nextRun)).toBe("2026-03-09T20:10:00.000Z");
    clock.now = new Date("2026-10-30T20:11:00Z");
    expect(iso((await c.client.getSchedule({})).nextRun)).toBe("2026-11-02T21:10:00.000Z");
  });

  it("an update persists, publishes schedule_updated with the whole schedule and moves next_run", async () => {
    const clock = { now: new Date("2025-01-24T22:00:00Z") };
    const c = await coordinator(clock);
    const res = await c.client.updateSchedule({ triggerTime: "16:15", universes: ["mega_cap", "sp500"] });
    expect(res).toMatchObject({ enabled: true, triggerTime: "16:15", timezone: "America/New_York", universes: ["mega_cap", "sp500"] });
    expect(iso(res.nextRun)).toBe("2025-01-27T21:15:00.000Z");

    await c.publisher.flush();
    const [event] = await eventually(async () => ((await scheduleEvents()).length === 1 ? scheduleEvents() : undefined));
    expect(event).toMatchObject({
      channel: "tickstock:processing:schedule",
      payload: { enabled: true, trigger_time: "16:15", timezone: "America/New_York", next_run: "2025-01-27T21:15:00Z", universes: ["mega_cap", "sp500"] },
    });

    // A disabled schedule has no next run; the same values again change nothing and publish nothing.
    expect((await c.client.updateSchedule({ enabled: false })).nextRun).toBeUndefined();
    await c.client.updateSchedule({ enabled: false, triggerTime: "16:15" });
    await c.client.updateSchedule({ enabled: true, timezone: "america/new_york" });
    await c.publisher.flush();
    expect((await scheduleEvents()).map((e) => e.payload.enabled)).toEqual([true, false, true]);

    // Another coordinator process (a restart) reads the stored schedule.
    const restarted = await coordinator(clock, { leaderLockId: 99 });
    expect(await restarted.client.getSchedule({})).toMatchObject({ enabled: true, triggerTime: "16:15", universes: ["mega_cap", "sp500"] });
    await c.client.updateSchedule({ triggerTime: "16:10", universes: ["sp500", "nasdaq100"] });
  });

  it("refuses bad input with InvalidArgument naming the field, storing and publishing nothing", async () => {
    const c = await coordinator({ now: new Date("2025-01-24T22:00:00Z") });
    const before = await c.client.getSchedule({});
    await c.publisher.flush();
    const eventsBefore = (await scheduleEvents()).length;
    const cases: [Parameters<typeof c.client.updateSchedule>[0], string][] = [
      [{ triggerTime: "4pm" }, "trigger_time"],
      [{ triggerTime: "24:00" }, "trigger_time"],
      [{ triggerTime: "16:10", timezone: "Mars/Olympus_Mons" }, "timezone"],
      [{ timezone: "+05:00" }, "timezone"],
      [{ universes: ["sp500", "no_such_universe"] }, "universes"],
      [{ enabled: false, universes: ["bad name"] }, "universes"],
    ];
    for (const [req, field] of cases) {
      const err = await rejected(c.client.updateSchedule(req));
      expect(err.code, JSON.stringify(req)).toBe(Code.InvalidArgument);
      expect(errorMetadata(err)?.field, JSON.stringify(req)).toBe(field);
    }
    expect(await c.client.getSchedule({})).toEqual(before);
    await c.publisher.flush();
    expect((await scheduleEvents()).length).toBe(eventsBefore);
  });

  it("takes the configured initial schedule until the first change through the API", async () => {
    const c = await coordinator({ now: new Date("2025-01-24T22:00:00Z") });
    const configured = { enabled: true, triggerTime: "16:30", timezone: "America/New_York", universes: ["sp500"] };
    // The earlier tests changed the schedule through the API: the configuration no longer applies.
    expect(await store.seedSchedule(c.pool, configured)).toBe(false);
    await db.query("UPDATE coordinator.schedule SET edited_at = NULL");
    expect(await store.seedSchedule(c.pool, configured)).toBe(true);
    expect(await c.client.getSchedule({})).toMatchObject({ triggerTime: "16:30", universes: ["sp500"] });
    expect(await store.seedSchedule(c.pool, configured)).toBe(false); // unchanged: nothing to do
    await c.client.updateSchedule({ triggerTime: "16:10", universes: ["sp500", "nasdaq100"] });
    expect(await store.seedSchedule(c.pool, configured)).toBe(false);
    expect((await c.client.getSchedule({})).triggerTime).toBe("16:10");
  });
});

describe("scheduled firing (injected clock)", () => {
  it("fires at the trigger time on a trading day, once, over the union of the schedule's universes", async () => {
    const clock = { now: new Date("2026-03-09T20:09:59Z") }; // Monday 16:09:59 EDT
    const c = await coordinator(clock);
    expect(c.leader.isLeader()).toBe(true);
    expect(c.scheduler.nextWakeUp()?.toISOString()).toMatch(/T2[01]:10:00\.000Z$/);
    expect(await c.scheduler.tick()).toBe("nothing_due");

    clock.now = new Date("2026-03-09T20:10:00Z");
    expect(await c.scheduler.tick()).toBe("fired");
    expect(await c.scheduler.tick()).toBe("nothing_due");
    await c.runs.idle();

    const [run] = (await c.client.listRuns({})).runs;
    expect(run).toMatchObject({ runDate: "2026-03-09", triggerType: "automatic", universe: "sp500,nasdaq100", status: "completed", symbolsProcessed: 5 });
    expect(phases.calls.find((call) => call.runId === run!.runId && call.phase === "indicators")!.symbols).toEqual(["AAPL", "JPM", "MSFT", "PDD", "XOM"]);
    expect(await firings()).toEqual([{ fire_date: "2026-03-09", run_id: run!.runId }]);
    await c.publisher.flush();
    expect((await readEvents(redis, run!.runId))[0]!.payload).toMatchObject({ trigger_type: "automatic", universe: "sp500,nasdaq100" });
  });

  it("does not fire on a weekend, an NYSE holiday, or when disabled", async () => {
    const clock = { now: new Date("2026-03-14T20:10:00Z") }; // Saturday
    const c = await coordinator(clock);
    expect(await c.scheduler.tick()).toBe("nothing_due");
    clock.now = new Date("2026-04-03T20:10:00Z"); // Good Friday
    expect(await c.scheduler.tick()).toBe("nothing_due");
    clock.now = new Date("2026-03-16T20:10:00Z"); // Monday, but disabled
    await c.client.updateSchedule({ enabled: false });
    expect(await c.scheduler.tick()).toBe("nothing_due");
    await c.client.updateSchedule({ enabled: true });
    expect((await firings()).map((f) => f.fire_date)).toEqual(["2026-03-09"]);
  });

  it("two coordinators against one database fire once: one leads, the other stands by and takes over", async () => {
    const clock = { now: new Date("2026-03-10T20:10:00Z") };
    const a = await coordinator(clock);
    const b = await coordinator(clock);
    expect([a.leader.isLeader(), b.leader.isLeader()]).toEqual([true, false]);
    expect(await Promise.all([a.scheduler.tick(), b.scheduler.tick()])).toEqual(["fired", "not_leader"]);
    await a.runs.idle();

    // The leader goes away: its session's lock is released and the standby takes over.
    await a.stop();
    started.splice(started.indexOf(a), 1);
    await b.scheduler.poll();
    expect(b.leader.isLeader()).toBe(true);
    expect(await b.scheduler.tick()).toBe("nothing_due");
    expect((await firings()).map((f) => f.fire_date)).toEqual(["2026-03-09", "2026-03-10"]);
  });

  it("even two leaders (split brain) fire a day once: the claim decides", async () => {
    const clock = { now: new Date("2026-03-11T20:10:00Z") };
    const a = await coordinator(clock, { leaderLockId: 1 });
    const b = await coordinator(clock, { leaderLockId: 2 });
    expect([a.leader.isLeader(), b.leader.isLeader()]).toEqual([true, true]);
    const results = await Promise.all([a.scheduler.tick(), b.scheduler.tick()]);
    expect(results.filter((r) => r === "fired")).toHaveLength(1);
    expect(results.filter((r) => r !== "fired")[0]).toMatch(/^(already_fired|nothing_due)$/);
    expect((await firings()).filter((f) => f.fire_date === "2026-03-11")).toHaveLength(1);
    expect((await db.query("SELECT count(*)::int AS n FROM coordinator.runs WHERE run_date = '2026-03-11'")).rows[0]!.n).toBe(1);
  });

  it("catches up a missed slot on start when configured, and not otherwise", async () => {
    const clock = { now: new Date("2026-03-12T23:30:00Z") }; // Thursday, 19:30 EDT: 16:10 passed unfired
    const off = await coordinator(clock, { catchUp: false });
    expect(await firings()).toHaveLength(3);
    await off.stop();
    started.splice(started.indexOf(off), 1);

    const on = await coordinator(clock, { catchUp: true });
    await on.runs.idle();
    expect((await firings()).map((f) => f.fire_date)).toContain("2026-03-12");
  });

  it("defers a firing while a manual run is active, and fires when it ends", async () => {
    const clock = { now: new Date("2026-03-13T20:10:00Z") };
    const c = await coordinator(clock);
    phases.hang("import");
    const manual = await c.client.triggerRun({ runDate: "2026-03-12" });
    expect(await c.scheduler.tick()).toBe("deferred");
    await c.publisher.flush();
    const warning = (await readEvents(redis)).find((e) => e.event === "error" && e.payload.error_code === "SCHEDULED_RUN_DEFERRED");
    expect(warning?.payload).toMatchObject({ severity: "warning", context: { fire_date: "2026-03-13" } });

    await c.client.cancelRun({});
    phases.reset();
    await c.scheduler.poll();
    await c.runs.idle();
    const runs = (await c.client.listRuns({})).runs;
    expect(runs[0]).toMatchObject({ triggerType: "automatic", runDate: "2026-03-13", status: "completed" });
    expect(runs[1]).toMatchObject({ runId: manual.runId, status: "cancelled" });
  });
});
