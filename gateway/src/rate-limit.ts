/**
 * Per-key token buckets for the trigger endpoints: each API key may start `burst` triggers at
 * once and then `perMinute` a minute. Keys are held only as their SHA-256 digests (auth.ts
 * keyDigest), never in clear. Pure: the clock is a parameter.
 */

export interface RateLimit {
  /** Sustained rate; 0 turns the limit off. */
  perMinute: number;
  /** Bucket size: triggers allowed at once after a quiet period. */
  burst: number;
}

export type RateVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  take(keyDigest: string, nowMs: number): RateVerdict;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export function createRateLimiter(limit: RateLimit, maxBuckets = 10_000): RateLimiter {
  const perMs = limit.perMinute / 60_000;
  const buckets = new Map<string, Bucket>();

  function refill(bucket: Bucket, nowMs: number): void {
    const elapsed = Math.max(0, nowMs - bucket.updatedMs);
    bucket.tokens = Math.min(limit.burst, bucket.tokens + elapsed * perMs);
    bucket.updatedMs = nowMs;
  }

  /** Only authenticated keys reach a bucket, so there are few; full buckets carry no state. */
  function prune(nowMs: number): void {
    for (const [key, bucket] of buckets) {
      refill(bucket, nowMs);
      if (bucket.tokens >= limit.burst) buckets.delete(key);
    }
  }

  return {
    take(keyDigest, nowMs) {
      if (limit.perMinute <= 0) return { allowed: true };
      let bucket = buckets.get(keyDigest);
      if (!bucket) {
        if (buckets.size >= maxBuckets) prune(nowMs);
        bucket = { tokens: limit.burst, updatedMs: nowMs };
        buckets.set(keyDigest, bucket);
      }
      refill(bucket, nowMs);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true };
      }
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)) };
    },
  };
}
