import { describe, expect, it } from "vitest";
import { createReadCache, type CachedAnswer } from "./read-cache.ts";

const answer = (text: string, status = 200): CachedAnswer => ({ status, body: Buffer.from(text) });

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe("createReadCache", () => {
  it("joins concurrent reads of a key to one load and serves its answer until the TTL runs out", async () => {
    let clock = 0;
    const cache = createReadCache({ ttlMs: 100, now: () => clock });
    let loads = 0;
    const slow = deferred<CachedAnswer>();
    const load = () => (loads++, slow.promise);
    const reads = [cache.get("/a", load), cache.get("/a", load), cache.get("/a", load)];
    slow.resolve(answer("one"));
    expect((await Promise.all(reads)).map((a) => a.body.toString())).toEqual(["one", "one", "one"]);
    expect(loads).toBe(1);
    clock = 99;
    expect((await cache.get("/a", async () => answer("two"))).body.toString()).toBe("one");
    clock = 100;
    expect((await cache.get("/a", async () => answer("two"))).body.toString()).toBe("two");
  });

  it("keeps keys apart", async () => {
    const cache = createReadCache({ ttlMs: 1000 });
    await cache.get("/a", async () => answer("a"));
    expect((await cache.get("/b", async () => answer("b"))).body.toString()).toBe("b");
  });

  it("never keeps a failure or a non-2xx answer", async () => {
    const cache = createReadCache({ ttlMs: 1000 });
    await expect(cache.get("/a", async () => Promise.reject(new Error("upstream down")))).rejects.toThrow("upstream down");
    expect((await cache.get("/a", async () => answer("not found", 404))).status).toBe(404);
    expect((await cache.get("/a", async () => answer("ok"))).body.toString()).toBe("ok");
    expect(cache.size).toBe(1);
  });

  it("after invalidate() loads again and no longer joins a load that was in flight", async () => {
    const cache = createReadCache({ ttlMs: 1000 });
    await cache.get("/a", async () => answer("before"));
    cache.invalidate();
    expect((await cache.get("/a", async () => answer("after"))).body.toString()).toBe("after");

    const inFlight = deferred<CachedAnswer>();
    const old = cache.get("/a", () => inFlight.promise); // TTL not over: answered "after"…
    expect((await old).body.toString()).toBe("after");
    cache.invalidate();
    const before = deferred<CachedAnswer>();
    const stale = cache.get("/b", () => before.promise);
    cache.invalidate(); // a write lands while /b loads
    const fresh = cache.get("/b", async () => answer("fresh"));
    before.resolve(answer("stale"));
    expect((await stale).body.toString()).toBe("stale"); // its own caller still gets it
    expect((await fresh).body.toString()).toBe("fresh");
    expect((await cache.get("/b", async () => answer("later"))).body.toString()).toBe("fresh");
  });

  it("holds at most maxEntries keys, dropping the oldest", async () => {
    const cache = createReadCache({ ttlMs: 1000, maxEntries: 2 });
    for (const k of ["/a", "/b", "/c"]) await cache.get(k, async () => answer(k));
    expect(cache.size).toBe(2);
    expect((await cache.get("/a", async () => answer("reloaded"))).body.toString()).toBe("reloaded");
    expect((await cache.get("/c", async () => answer("x"))).body.toString()).toBe("/c");
  });

  it("passes every read through with a TTL of 0", async () => {
    const cache = createReadCache({ ttlMs: 0 });
    let loads = 0;
    await Promise.all([1, 2, 3].map(() => cache.get("/a", async () => (loads++, answer("x")))));
    expect(loads).toBe(3);
  });
});
