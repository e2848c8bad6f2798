// Bad query strings, path ids and methods, systematically (issue 7, CONTRACT §2.4), against the
// whole system as real processes: every GET/DELETE endpoint of CONTRACT §2 and the two analytics
// reads with random and boundary values for each query parameter and path id (numbers out of
// range, fractions, NaN-like strings, unicode, very long values, repeated and unknown
// parameters, encoded traversal, NUL, broken percent-encoding), and every route with the
// methods it does not allow. Each value is labeled valid, invalid or either: invalid input is a
// 4xx with the contract's error body, valid input a 200, and nothing is ever a 5xx. No process
// dies and no stored row changes.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PATTERN_NAMES } from "../../../services/analytics/src/compute.ts";
import { dateIn, edgeDate, hostileString, intParam, isIsoDate, notADate, type Labeled } from "./arbitraries.ts";
import {
  API_KEY,
  assertAllAlive,
  BACKFILL,
  bugLogLines,
  checkAnswer,
  httpFetch,
  snapshotDiff,
  snapshotTables,
  startFuzzSystem,
  type FuzzSystem,
  type HttpAnswer,
  type Snapshot,
} from "./support.ts";

const RUNS = Number(process.env.FUZZ_RUNS ?? 1);
const SYMBOL = /^[A-Z][A-Z0-9.-]{0,14}$/;
let fz: FuzzSystem;
let before: Snapshot;

beforeAll(async () => {
  fz = await startFuzzSystem();
  before = await snapshotTables(fz.db);
}, 120_000);

afterAll(async () => {
  await fz?.stop();
});

type Param = [key: string, value: Labeled];

const v = (valid: boolean | undefined) => (value: string): Labeled => ({ value, valid });

/** Query string from labeled pairs; a key or value given as `raw:` goes unencoded (broken escapes). */
function query(pairs: readonly Param[]): string {
  if (pairs.length === 0) return "";
  const enc = (s: string) => (s.startsWith("raw:") ? s.slice(4) : encodeURIComponent(s));
  return `?${pairs.map(([k, val]) => `${enc(k)}=${enc(val.value)}`).join("&")}`;
}

/** true when every pair is valid, false when one is invalid, undefined otherwise. */
function verdict(pairs: readonly Param[]): boolean | undefined {
  if (pairs.some(([, val]) => val.valid === false)) return false;
  return pairs.every(([, val]) => val.valid === true) ? true : undefined;
}

/** Optional labeled parameters: each present or not, in any order, sometimes one given twice. */
function params(spec: Record<string, fc.Arbitrary<Labeled>>): fc.Arbitrary<Param[]> {
  const entries = Object.entries(spec);
  return fc
    .tuple(
      fc.record(Object.fromEntries(entries) as Record<string, fc.Arbitrary<Labeled>>, { requiredKeys: [] }),
      fc.option(fc.constantFrom(...entries.map(([k]) => k)), { freq: 8 }),
      fc.option(unknownParam(Object.keys(spec)), { freq: 8 }),
    )
    .chain(([given, dup, unknown]) => {
      const pairs: Param[] = Object.entries(given).flatMap(([k, val]): Param[] => (val ? [[k, val]] : []));
      if (dup !== null) pairs.push([dup, { value: "1", valid: false }], [dup, { value: "1", valid: false }]); // given more than once
      if (unknown !== null) pairs.push([unknown, { value: "1", valid: false }]);
      return fc.shuffledSubarray(pairs, { minLength: pairs.length, maxLength: pairs.length });
    });
}

/** A parameter name the endpoint does not have (its field names and their camelCase excluded). */
function unknownParam(known: readonly string[]): fc.Arbitrary<string> {
  const camel = known.map((k) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()));
  return fc
    .oneof(
      fc.constantFrom("", " ", "x", "Limit", "LIMIT", "limit[]", "limit.x", "limit ", "offset[0]", "__proto__", "constructor", "days[]", "api_key", "x-api-key", "raw:%", "raw:%zz", "raw:%E0%A4%A", "raw:a%00b"),
      hostileString.map((s) => s.slice(0, 200)),
    )
    .filter((k) => !known.includes(k) && !camel.includes(k) && !(k.startsWith("raw:") && known.includes(decodeSafe(k.slice(4)))));
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Path-segment values: labeled, already percent-encoded as they go into the URL. */
function segment(valid: fc.Arbitrary<string>, invalidDecoded: fc.Arbitrary<string>): fc.Arbitrary<Labeled> {
  return fc.oneof(
    valid.map(encodeURIComponent).map(v(true)),
    invalidDecoded.filter((s) => s !== "" && s !== "." && s !== "..").map(encodeURIComponent).map(v(false)),
    fc.constantFrom("..%2F..%2Fetc%2Fpasswd", "..%2f..%2f..%2fetc%2fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..%5C..%5Cwindows", "%00", "a%00b", "%", "%zz", "%E0%A4%A", "%C0%AF", "%FF", "%ED%A0%80", "%uFFFD", "%252e%252e%252f", "....%2F%2F", "%2F", "%2F%2F%2F").map(v(false)),
    fc.integer({ min: 1000, max: 15_000 }).map((n) => "A".repeat(n)).map(v(false)),
  );
}

async function get(path: string, method = "GET"): Promise<HttpAnswer> {
  return httpFetch(fz.system.gatewayUrl, { method, path, headers: { "x-api-key": API_KEY } });
}

/** The property's oracle: 200 for valid, a 4xx (with the contract body) for invalid, never a 5xx. */
function judge(res: HttpAnswer, what: string, valid: boolean | undefined, okStatuses = [200]): void {
  checkAnswer(res, what, { expect4xx: valid === false });
  if (valid === true && !okStatuses.includes(res.status)) throw new Error(`expected ${okStatuses.join("|")} for a valid request\n  request: ${what}\n  answer: ${res.status} ${res.body.slice(0, 400)}`);
}

const numRuns = (n: number) => ({ numRuns: n * RUNS });

describe("query strings and path ids: invalid is a 4xx, valid a 200, never a 5xx", () => {
  it("GET /api/processing/cache-sync/history?limit&offset", async () => {
    await fc.assert(
      fc.asyncProperty(params({ limit: intParam(1, 100), offset: intParam(0, 2 ** 31 - 1) }), async (pairs) => {
        const path = `/api/processing/cache-sync/history${query(pairs)}`;
        judge(await get(path), `GET ${path.slice(0, 300)}`, verdict(pairs));
      }),
      numRuns(200),
    );
  });

  it("GET /api/processing/history?days", async () => {
    await fc.assert(
      fc.asyncProperty(params({ days: intParam(1, 365) }), async (pairs) => {
        const path = `/api/processing/history${query(pairs)}`;
        judge(await get(path), `GET ${path.slice(0, 300)}`, verdict(pairs));
      }),
      numRuns(150),
    );
  });

  it("GET /api/processing/cache-sync/status/{job_id}: the job's UUID (any case) is a 200, another UUID a 404, anything else a 4xx", async () => {
    const ids = fc.oneof(
      fc.constantFrom(fz.jobId, fz.jobId.toUpperCase()).map(v(true)),
      fc.uuid({ version: [1, 4, 7] }).map(v(undefined)), // well-formed, unknown: 404
      segment(fc.constant(fz.jobId), fc.oneof(hostileString, fc.uuid().map((u) => `${u} `), fc.uuid().map((u) => u.replaceAll("-", "")), fc.uuid().map((u) => `{${u}}`))).filter((l) => l.valid === false),
    );
    await fc.assert(
      fc.asyncProperty(ids, async (id) => {
        const path = `/api/processing/cache-sync/status/${id.value}`;
        const res = await get(path);
        judge(res, `GET ${path.slice(0, 300)}`, id.valid);
        if (id.valid === undefined && /^[0-9a-f-]{36}$/i.test(id.value) && res.status !== 404 && res.status !== 200) throw new Error(`a well-formed unknown job id answered ${res.status}: ${res.body}`);
      }),
      numRuns(200),
    );
  });

  it("GET /api/analytics/indicators/{symbol}?from&to", async () => {
    const symbols = fz.symbols;
    const symbol = fc.oneof(
      fc.constantFrom(...symbols, ...symbols.map((s) => s.toLowerCase())).map(encodeURIComponent).map(v(true)),
      fc.constantFrom("ZZZZZ", "A", "Q.Z-9").map(v(undefined)), // well-formed, unknown: 404
      segment(fc.constantFrom(...symbols), hostileString.filter((s) => !SYMBOL.test(s.toUpperCase()))).filter((l) => l.valid === false),
    );
    const date = fc.oneof(
      dateIn(BACKFILL.from, BACKFILL.to).map(v(undefined)), // valid, but from > to is not: judged below
      edgeDate.map(v(undefined)),
      notADate.map(v(false)),
    );
    await fc.assert(
      fc.asyncProperty(symbol, params({ from: date, to: date }), async (sym, pairs) => {
        const path = `/api/analytics/indicators/${sym.value}${query(pairs)}`;
        let valid = sym.valid === false ? false : verdict(pairs);
        const from = pairs.find(([k]) => k === "from")?.[1].value;
        const to = pairs.find(([k]) => k === "to")?.[1].value;
        const inWindow = (d: string | undefined) => d === undefined || (isIsoDate(d) && d >= BACKFILL.from && d <= BACKFILL.to);
        if (valid !== false && sym.valid && pairs.length <= 2 && new Set(pairs.map(([k]) => k)).size === pairs.length && inWindow(from) && inWindow(to) && (!from || !to || from <= to)) valid = true;
        judge(await get(path), `GET ${path.slice(0, 300)}`, valid);
      }),
      numRuns(200),
    );
  });

  it("GET /api/analytics/patterns?date&pattern&direction&symbol&limit&offset", async () => {
    const spec = {
      date: fc.oneof(dateIn(BACKFILL.from, BACKFILL.to).map(v(true)), edgeDate.map(v(undefined)), notADate.map(v(false))),
      pattern: fc.oneof(fc.constantFrom(...PATTERN_NAMES).map(v(true)), fc.oneof(hostileString, fc.constantFrom("ENGULFING", "engulfing ", "golden-cross")).filter((s) => s !== "" && !PATTERN_NAMES.includes(s)).map(v(false))),
      direction: fc.oneof(fc.constantFrom("bullish", "bearish", "neutral").map(v(true)), fc.oneof(hostileString, fc.constantFrom("BULLISH", "up", "bull")).filter((s) => s !== "" && !["bullish", "bearish", "neutral"].includes(s)).map(v(false))),
      symbol: fc.oneof(fc.constantFrom(...fz.symbols, "zzzz", "ß").map(v(true)), hostileString.filter((s) => s !== "" && !SYMBOL.test(s.toUpperCase())).map(v(false))),
      limit: intParam(1, 1000),
      offset: intParam(0, 2 ** 31 - 1),
    };
    await fc.assert(
      fc.asyncProperty(params(spec), async (pairs) => {
        const path = `/api/analytics/patterns${query(pairs)}`;
        judge(await get(path), `GET ${path.slice(0, 300)}`, verdict(pairs));
      }),
      numRuns(250),
    );
  });

  it("endpoints without parameters: any query parameter is a 400; none is a 200 (409 for cancel, nothing runs)", async () => {
    const routes = [
      { method: "GET", path: "/api/processing/cache-sync/stats", ok: 200 },
      { method: "GET", path: "/api/processing/status", ok: 200 },
      { method: "GET", path: "/api/processing/schedule", ok: 200 },
      { method: "DELETE", path: "/api/processing/cancel", ok: 409 },
    ];
    const pairs = fc.array(fc.tuple(unknownParam([]), hostileString.map((s) => s.slice(0, 100))), { maxLength: 3 });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), pairs, async (route, kv) => {
        const q = query(kv.map(([k, val]) => [k, { value: val, valid: false }]));
        const res = await get(`${route.path}${q}`, route.method);
        const what = `${route.method} ${route.path}${q.slice(0, 300)}`;
        checkAnswer(res, what, { expect4xx: kv.length > 0 });
        if (kv.length === 0 && res.status !== route.ok) throw new Error(`expected ${route.ok}: ${what} -> ${res.status} ${res.body}`);
        if (kv.length > 0 && res.status !== 400) throw new Error(`expected 400: ${what} -> ${res.status} ${res.body}`);
      }),
      numRuns(120),
    );
  });

  it("a method a route does not take is a 405 with Allow; an unknown /api path is a 404; both with the contract body", async () => {
    const paths = [
      { path: "/api/processing/cache-sync/trigger", allowed: ["POST"] },
      { path: `/api/processing/cache-sync/status/${fz.jobId}`, allowed: ["GET"] },
      { path: "/api/processing/cache-sync/history", allowed: ["GET"] },
      { path: "/api/processing/cache-sync/stats", allowed: ["GET"] },
      { path: "/api/processing/trigger-manual", allowed: ["POST"] },
      { path: "/api/processing/status", allowed: ["GET"] },
      { path: "/api/processing/history", allowed: ["GET"] },
      { path: "/api/processing/cancel", allowed: ["DELETE"] },
      { path: "/api/processing/schedule", allowed: ["GET", "POST"] },
      { path: `/api/analytics/indicators/${fz.symbols[0]}`, allowed: ["GET"] },
      { path: "/api/analytics/patterns", allowed: ["GET"] },
      { path: "/health", allowed: ["GET", "HEAD"] },
    ];
    const unknown = fc.oneof(
      fc.constantFrom("/api", "/api/", "/api/processing", "/api/processing/", "/api/processing/cache-sync/status", "/api/processing/cache-sync/status/", "/api/processing/trigger", "/api/processing/status/", "/api/processing//status", "/api/../api/processing/status/x", "/api/analytics/indicators", "/api/analytics/indicators/", "/api/v1/processing/status", "/api/%70rocessing/status"),
      fc.array(hostileString.map((s) => encodeURIComponent(s.slice(0, 50))), { minLength: 1, maxLength: 4 }).map((segs) => `/api/${segs.join("/")}`),
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom(...paths).chain((p) => fc.constantFrom(...["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"].filter((m) => !p.allowed.includes(m))).map((m) => ({ ...p, method: m }))), unknown.map((path) => ({ path, allowed: [] as string[], method: "GET" }))), async (r) => {
        const res = await get(r.path, r.method);
        const what = `${r.method} ${r.path.slice(0, 300)}`;
        if (r.method === "HEAD") {
          if (res.status < 400 || res.status >= 500) throw new Error(`HEAD: expected a 4xx: ${what} -> ${res.status}`);
          return; // no body by definition
        }
        checkAnswer(res, what, { expect4xx: true });
        if (r.allowed.length > 0 && (res.status !== 405 || res.headers.allow === undefined)) throw new Error(`expected 405 with Allow: ${what} -> ${res.status} ${JSON.stringify(res.headers)}`);
        if (r.allowed.length === 0 && ![400, 404, 405].includes(res.status)) throw new Error(`expected 404 for an unknown path: ${what} -> ${res.status} ${res.body}`);
      }),
      numRuns(200),
    );
  });

  it("real dates at the edges (year 0, 9999, leap days, the epoch) in every date parameter: never a 5xx", async () => {
    const sym = fz.symbols[0]!;
    const shapes = [
      (d: string) => `/api/analytics/patterns?date=${d}`,
      (d: string) => `/api/analytics/indicators/${sym}?from=${d}&to=${d}`,
      (d: string) => `/api/analytics/indicators/${sym}?to=${d}`,
      (d: string) => `/api/analytics/indicators/${sym}?from=${d}`,
      (d: string) => `/api/analytics/indicators/ZZZZ?to=${d}`,
    ];
    await fc.assert(
      fc.asyncProperty(edgeDate, fc.integer({ min: 0, max: shapes.length - 1 }), async (d, i) => {
        const path = shapes[i]!(d);
        checkAnswer(await get(path), `GET ${path}`);
      }),
      numRuns(70),
    );
  });

  it("no stored row of any service changed, no process died, no bug was logged", async () => {
    expect(snapshotDiff(before, await snapshotTables(fz.db))).toEqual([]);
    await assertAllAlive(fz);
    expect(bugLogLines(fz)).toEqual([]);
  });
});
