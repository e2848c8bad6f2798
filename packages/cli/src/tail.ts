import type { Command } from "./args.ts";
import { INTERRUPTED, type Context } from "./commands.ts";
import { entriesAfter, lastEntries, lastId, openRedis, type StreamEntry } from "./events.ts";

/**
 * `tickstock events tail`: replays tickstock:events (after --from, or the last N entries), then
 * with --follow waits for new ones. Each line carries the entry id, so a client that was away
 * resumes with --from <the last id it saw>.
 */

function line(entry: StreamEntry, json: boolean): string {
  if (json) return JSON.stringify({ id: entry.id, channel: entry.channel, ...(entry.envelope ?? { data: entry.data }) });
  const e = entry.envelope;
  if (!e) return `${entry.id}  ${entry.channel}  ${entry.data}`;
  return `${entry.id}  ${String(e.timestamp ?? "")}  ${entry.channel}  ${e.event}  ${JSON.stringify(e.payload)}`;
}

export async function tail(ctx: Context, cmd: Extract<Command, { name: "events tail" }>): Promise<number> {
  const redis = await openRedis(ctx.cfg.REDIS_URL, "tickstock-cli-tail");
  const print = (entries: StreamEntry[]) => {
    for (const entry of entries) ctx.out.write(`${line(entry, ctx.json)}\n`);
  };
  const onAbort = () => redis.disconnect();
  ctx.signal.addEventListener("abort", onAbort);
  try {
    let cursor: string;
    if (cmd.from !== undefined) {
      cursor = cmd.from === "$" ? await lastId(redis) : cmd.from;
      for (;;) {
        const batch = await entriesAfter(redis, cursor, 1_000);
        if (batch.length === 0) break;
        print(batch);
        cursor = batch.at(-1)!.id;
      }
    } else {
      const entries = await lastEntries(redis, cmd.last ?? 20);
      print(entries);
      cursor = entries.at(-1)?.id ?? (await lastId(redis));
    }
    while (cmd.follow && !ctx.signal.aborted) {
      const batch = await entriesAfter(redis, cursor, 1_000, 5_000);
      print(batch);
      if (batch.length > 0) cursor = batch.at(-1)!.id;
    }
    return ctx.signal.aborted ? INTERRUPTED : 0;
  } catch (err) {
    if (ctx.signal.aborted) return INTERRUPTED;
    throw err;
  } finally {
    ctx.signal.removeEventListener("abort", onAbort);
    redis.disconnect();
  }
}
