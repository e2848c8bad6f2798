// The answers of REST reads, shared for a short while. AppV2 polls the run and cache-sync status
// every 2 s from every open admin page; under a burst of such polls each one would otherwise be an
// upstream gRPC call and a database read, and the gateway's CPU goes into that round trip, not
// into answering. Here concurrent identical reads wait for one upstream call (coalescing) and its
// answer serves the same read for `ttlMs` more. A write through this gateway (any request but a
// REST GET) drops everything, so a client that triggers and then polls sees its own write; a
// change made elsewhere (the scheduler, another replica) shows within `ttlMs`. Only successful
// answers are kept; every request still passes the API-key check first.

export interface CachedAnswer {
  status: number;
  /** The JSON body, serialized once. */
  body: Buffer;
}

interface Entry {
  /** Settled answer and when it was loaded; absent while the load is in flight. */
  answer?: CachedAnswer;
  loadedAt: number;
  pending?: Promise<CachedAnswer>;
}

export interface ReadCache {
  /** The answer for `key`: fresh from the cache, joined to a load in flight, or loaded now. */
  get(key: string, load: () => Promise<CachedAnswer>): Promise<CachedAnswer>;
  /** A write went through: later reads load again (loads in flight are not joined any more). */
  invalidate(): void;
  readonly size: number;
}

export function createReadCache(opts: { ttlMs: number; maxEntries?: number; now?: () => number }): ReadCache {
  const maxEntries = opts.maxEntries ?? 1000;
  const now = opts.now ?? (() => performance.now());
  let entries = new Map<string, Entry>();

  return {
    get(key, load) {
      if (opts.ttlMs <= 0) return load();
      const entry = entries.get(key);
      if (entry?.pending) return entry.pending;
      if (entry?.answer && now() - entry.loadedAt < opts.ttlMs) return Promise.resolve(entry.answer);
      const table = entries; // an invalidate() meanwhile replaces the table: this load then lands nowhere
      const fresh: Entry = { loadedAt: 0 };
      fresh.pending = load().then(
        (answer) => {
          fresh.pending = undefined;
          if (answer.status >= 200 && answer.status < 300) {
            fresh.answer = answer;
            fresh.loadedAt = now();
          } else if (table.get(key) === fresh) table.delete(key);
          return answer;
        },
        (err: unknown) => {
          if (table.get(key) === fresh) table.delete(key);
          throw err;
        },
      );
      table.delete(key); // re-inserted last: the Map's order is the age order
      table.set(key, fresh);
      if (table.size > maxEntries) table.delete(table.keys().next().value!);
      return fresh.pending;
    },
    invalidate() {
      if (entries.size > 0) entries = new Map();
    },
    get size() {
      return entries.size;
    },
  };
}
