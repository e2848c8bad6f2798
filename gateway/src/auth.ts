import { hash, timingSafeEqual } from "node:crypto";

/**
 * X-API-Key check. Keys are compared as SHA-256 digests with timingSafeEqual
 * against every configured key (no early exit), so neither the key's length
 * nor its matching prefix shows in the timing. A key is never logged.
 */
export function createKeyChecker(keys: readonly string[]): (presented: string | undefined) => boolean {
  const digests = keys.map((k) => hash("sha256", k, "buffer"));
  return (presented) => {
    if (typeof presented !== "string" || presented.length === 0 || presented.length > 512) return false;
    const d = hash("sha256", presented, "buffer");
    let ok = false;
    for (const key of digests) ok = timingSafeEqual(d, key) || ok;
    return ok;
  };
}

/**
 * The identity of a key where the gateway must tell keys apart (the per-key rate limit): its
 * SHA-256 digest, so no key is ever held or logged in clear.
 */
export function keyDigest(key: string): string {
  return hash("sha256", key, "hex");
}

/** The development key AppV2 ships with: accepted in development, refused in production. */
export const DEVELOPMENT_KEY = "tickstock-cache-sync-2025";
