import { Redis } from "ioredis";

/** Counts and keeps the envelopes published while a benchmark step runs. */
export async function recordEvents(redisUrl: string) {
  const sub = new Redis(redisUrl);
  const events: { channel: string; event: string; payload: Record<string, unknown> }[] = [];
  sub.on("pmessage", (_p: string, channel: string, raw: string) => {
    const env = JSON.parse(raw) as { event: string; payload: Record<string, unknown> };
    events.push({ channel, event: env.event, payload: env.payload });
  });
  await sub.psubscribe("tickstock:*");
  return {
    events,
    async waitFor(predicate: () => boolean, timeoutMs: number): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      await sub.quit();
    },
  };
}
