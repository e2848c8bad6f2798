import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { createPool } from "@tickstock/common/db.ts";
import { createEventPublisher, createPgOutbox, createRedis, EVENTS_STREAM } from "@tickstock/common/events.ts";
import { createLogger } from "@tickstock/common/log.ts";
import { eventsSpilled } from "@tickstock/common/metrics.ts";
import { startRedis, type RunningRedis } from "../../../scripts/lib/infra.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/db.ts";

// A Redis of this file's own, so that it can be stopped and started again.
let redis: RunningRedis;
let db: TestDatabase;
const log = createLogger({ service: "events-test", level: "silent" });
const dir = mkdtempSync(join(tmpdir(), "tickstock-events-"));

beforeAll(async () => {
  redis = await startRedis({ dir });
  db = await createTestDatabase();
});

afterAll(async () => {
  await redis?.stop();
  await db?.drop();
});

const progress = (n: number) => ({ run_id: "run-outbox", completed_symbols: n, total_symbols: 10, percent_complete: n * 10, current_symbol: `S${n}`, eta_seconds: 1 });

async function streamEntries(url: string): Promise<{ channel: string; data: string }[]> {
  const r = new Redis(url);
  const entries = await r.xrange(EVENTS_STREAM, "-", "+");
  r.disconnect();
  return entries.map(([, f]) => ({ channel: f[1]!, data: f[3]! }));
}

describe("event publisher", () => {
  it("publishes the contract envelope on the channel and the same bytes on the stream", async () => {
    const client = createRedis(redis.url, log, "t1");
    const sub = new Redis(redis.url);
    const got: string[] = [];
    sub.on("message", (_c: string, m: string) => got.push(m));
    await sub.subscribe("tickstock:import:progress");
    const publisher = createEventPublisher({ redis: client, source: "daily_import_job", streamMaxLen: 1000, log });
    publisher.publish("import_progress", progress(1));
    expect(await publisher.flush()).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toHaveLength(1);
    const env = JSON.parse(got[0]!);
    expect(Object.keys(env)).toEqual(["event", "timestamp", "source", "version", "payload"]);
    expect(env).toMatchObject({ event: "import_progress", source: "daily_import_job", version: "1.0", payload: progress(1) });
    expect(env.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const entries = await streamEntries(redis.url);
    expect(entries.at(-1)).toEqual({ channel: "tickstock:import:progress", data: got[0] });
    expect(() => publisher.publish("import_progress", { ...progress(1), percent_complete: 140 })).toThrow(/percent_complete/);
    sub.disconnect();
    client.disconnect();
  });

  it("spills to the outbox while Redis is down and delivers in order when it is back, also from a new process", async () => {
    const pool = createPool(db.urlFor("import"), log);
    const outbox = createPgOutbox(pool, "import");
    const client = createRedis(redis.url, log, "t2");
    const publisher = createEventPublisher({ redis: client, source: "daily_import_job", streamMaxLen: 1000, log, outbox });
    const before = (await streamEntries(redis.url)).length;
    const spilledBefore = (await eventsSpilled.get()).values[0]?.value ?? 0;

    await redis.stop();
    for (let i = 1; i <= 5; i++) publisher.publish("import_progress", progress(i));
    expect(await publisher.flush(300)).toBe(false); // not delivered while Redis is down…
    expect(await publisher.flush(10_000, { durable: true })).toBe(true); // …but durably in the outbox
    expect(await outbox.count()).toBe(5);
    expect((await eventsSpilled.get()).values[0]?.value).toBe(spilledBefore + 5);
    // This process "dies" with Redis still down: its outbox rows stay.
    await publisher.close();
    client.disconnect();

    redis = await startRedis({ port: redis.port, dir });
    const client2 = createRedis(redis.url, log, "t3");
    const next = createEventPublisher({ redis: client2, source: "daily_import_job", streamMaxLen: 1000, log, outbox });
    next.publish("import_progress", progress(6));
    expect(await next.flush(10_000)).toBe(true);
    const deadline = Date.now() + 10_000;
    while ((await outbox.count()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await outbox.count()).toBe(0);
    const entries = (await streamEntries(redis.url)).slice(Math.max(0, before - 1));
    const seen = entries.map((e) => JSON.parse(e.data).payload.completed_symbols as number).filter((n) => n >= 1);
    expect(seen.slice(-6)).toEqual([1, 2, 3, 4, 5, 6]);
    client2.disconnect();
    await pool.end();
  });
});
