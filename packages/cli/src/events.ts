import { Redis } from "ioredis";
import { EVENTS_STREAM } from "@tickstock/common/events.ts";
import type { EventEnvelope } from "./board.ts";

/**
 * Redis for the CLI: pub/sub for `run --watch`, the stream tickstock:events for `events tail`
 * (replay by entry id with XREAD, which reads strictly after the id it is given, then follow
 * with XREAD BLOCK).
 */

export class RedisUnreachable extends Error {
  override readonly name = "RedisUnreachable";
}

export async function openRedis(url: string, name: string): Promise<Redis> {
  const redis = new Redis(url, {
    connectionName: name,
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    retryStrategy: (times) => (times > 30 ? null : Math.min(times * 200, 2_000)),
  });
  let lastError = "";
  redis.on("error", (err: Error) => {
    lastError = err.message;
  });
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new RedisUnreachable(`cannot reach Redis at ${new URL(url).host} (${lastError || (err as Error).message}); set REDIS_URL`);
  }
  return redis;
}

export interface StreamEntry {
  id: string;
  channel: string;
  /** The envelope as published, or null when the entry's data is not JSON. */
  envelope: (EventEnvelope & Record<string, unknown>) | null;
  data: string;
}

function toEntry([id, fields]: [string, string[]]): StreamEntry {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
  const data = map.get("data") ?? "";
  let envelope: StreamEntry["envelope"] = null;
  try {
    const parsed = JSON.parse(data) as unknown;
    if (parsed && typeof parsed === "object" && "event" in parsed) envelope = parsed as StreamEntry["envelope"];
  } catch {
    envelope = null;
  }
  return { id, channel: map.get("channel") ?? "", envelope, data };
}

/** The newest `count` entries, oldest first. */
export async function lastEntries(redis: Redis, count: number): Promise<StreamEntry[]> {
  const rows = (await redis.xrevrange(EVENTS_STREAM, "+", "-", "COUNT", count)) as [string, string[]][];
  return rows.reverse().map(toEntry);
}

/** The id of the newest entry, "0-0" when the stream is empty. */
export async function lastId(redis: Redis): Promise<string> {
  const rows = (await redis.xrevrange(EVENTS_STREAM, "+", "-", "COUNT", 1)) as [string, string[]][];
  return rows[0]?.[0] ?? "0-0";
}

/** Entries strictly after `afterId`, at most `count`; waits up to `blockMs` for one when given. */
export async function entriesAfter(redis: Redis, afterId: string, count: number, blockMs?: number): Promise<StreamEntry[]> {
  const args: (string | number)[] = ["COUNT", count];
  if (blockMs !== undefined) args.push("BLOCK", blockMs);
  const result = (await (redis.xread as (...a: (string | number)[]) => Promise<unknown>)(...args, "STREAMS", EVENTS_STREAM, afterId)) as [string, [string, string[]][]][] | null;
  return result?.[0]?.[1].map(toEntry) ?? [];
}

/** Subscribes to every tickstock channel; resolves once the subscription is in place. */
export async function subscribeAll(redis: Redis, onEvent: (channel: string, envelope: EventEnvelope & Record<string, unknown>) => void): Promise<void> {
  redis.on("pmessage", (_pattern: string, channel: string, message: string) => {
    try {
      const envelope = JSON.parse(message) as EventEnvelope & Record<string, unknown>;
      if (envelope && typeof envelope === "object" && envelope.payload && typeof envelope.payload === "object") onEvent(channel, envelope);
    } catch {
      // Not an envelope: nothing of ours.
    }
  });
  await redis.psubscribe("tickstock:*");
}
