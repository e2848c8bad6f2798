import { Redis } from "ioredis";
import { inject } from "vitest";

export interface CapturedEvent {
  channel: string;
  event: string;
  timestamp: string;
  source: string;
  version: string;
  payload: Record<string, unknown>;
  raw: string;
}

/** Subscribes to `tickstock:*` and records every envelope (tests filter by run_id/job_id). */
export async function captureEvents(pattern = "tickstock:*") {
  const sub = new Redis(inject("redisUrl"), { lazyConnect: false });
  const events: CapturedEvent[] = [];
  sub.on("pmessage", (_p: string, channel: string, raw: string) => {
    const env = JSON.parse(raw) as Omit<CapturedEvent, "channel" | "raw">;
    events.push({ channel, raw, ...env });
  });
  await sub.psubscribe(pattern);
  return {
    events,
    /** Waits until `predicate` holds over the events seen so far. */
    async waitFor(predicate: (events: CapturedEvent[]) => boolean, timeoutMs = 15_000): Promise<CapturedEvent[]> {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(events)) {
        if (Date.now() > deadline) throw new Error(`events not seen in ${timeoutMs} ms; got: ${events.map((e) => e.event).join(", ")}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return events;
    },
    async close() {
      await sub.quit();
    },
  };
}

export function redisClient(): Redis {
  return new Redis(inject("redisUrl"));
}
