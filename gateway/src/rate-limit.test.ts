import { describe, expect, it } from "vitest";
import { createRateLimiter } from "./rate-limit.ts";

const T0 = 1_700_000_000_000;

describe("createRateLimiter", () => {
  it("allows a burst, then refuses with the seconds until the next token", () => {
    const limiter = createRateLimiter({ perMinute: 6, burst: 3 });
    expect([1, 2, 3].map(() => limiter.take("a", T0).allowed)).toEqual([true, true, true]);
    expect(limiter.take("a", T0)).toEqual({ allowed: false, retryAfterSeconds: 10 });
    expect(limiter.take("a", T0 + 4_000)).toEqual({ allowed: false, retryAfterSeconds: 6 });
  });

  it("refills at the sustained rate and never beyond the burst", () => {
    const limiter = createRateLimiter({ perMinute: 60, burst: 2 });
    limiter.take("a", T0);
    limiter.take("a", T0);
    expect(limiter.take("a", T0).allowed).toBe(false);
    expect(limiter.take("a", T0 + 1_000).allowed).toBe(true);
    expect(limiter.take("a", T0 + 1_000).allowed).toBe(false);
    const later = T0 + 3_600_000;
    expect([1, 2, 3].map(() => limiter.take("a", later).allowed)).toEqual([true, true, false]);
  });

  it("keeps one bucket per key: another key is unaffected", () => {
    const limiter = createRateLimiter({ perMinute: 1, burst: 1 });
    expect(limiter.take("a", T0).allowed).toBe(true);
    expect(limiter.take("a", T0).allowed).toBe(false);
    expect(limiter.take("b", T0).allowed).toBe(true);
  });

  it("rounds Retry-After up to whole seconds, at least 1", () => {
    const limiter = createRateLimiter({ perMinute: 7, burst: 1 });
    limiter.take("a", T0);
    expect(limiter.take("a", T0)).toEqual({ allowed: false, retryAfterSeconds: 9 });
    expect(limiter.take("a", T0 + 8_500)).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it("is off with perMinute 0", () => {
    const limiter = createRateLimiter({ perMinute: 0, burst: 1 });
    expect(Array.from({ length: 100 }, () => limiter.take("a", T0).allowed).every(Boolean)).toBe(true);
  });

  it("drops only full buckets when it holds too many: the busy key stays limited", () => {
    const limiter = createRateLimiter({ perMinute: 6, burst: 1 }, 2);
    limiter.take("idle", T0);
    const t = T0 + 10_000;
    expect(limiter.take("busy", t).allowed).toBe(true);
    expect(limiter.take("newcomer", t).allowed).toBe(true);
    expect(limiter.take("busy", t).allowed).toBe(false);
    expect(limiter.take("idle", t).allowed).toBe(true);
  });
});
