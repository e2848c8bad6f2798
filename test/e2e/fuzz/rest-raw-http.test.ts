// Abuse below the JSON (issue 7): raw HTTP/1.1 bytes to the gateway of the whole system as real
// processes — API-key header abuse (missing, duplicated, padded, unicode, control characters,
// oversized), many and huge headers, malformed request lines and framing, odd request targets,
// over HTTP/1.1 and h2c. Properties: never a 5xx; the contract's error body whenever the gateway
// answers ≥ 400 (Node's own HTTP parser answers some malformed requests itself — 400, 413, 417,
// 431 with no body and `Connection: close` — before the gateway sees them); a wrong key never
// reaches a service, whatever the body; no process dies; no stored row changes.
import * as http2 from "node:http2";
import { connect } from "node:net";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { hostileString } from "./arbitraries.ts";
import {
  API_KEY,
  assertAllAlive,
  bugLogLines,
  checkAnswer,
  deathWatch,
  httpFetch,
  rawHttp,
  reviveGateway,
  snapshotDiff,
  snapshotTables,
  startFuzzSystem,
  type FuzzSystem,
  type HttpAnswer,
  type Snapshot,
} from "./support.ts";

const RUNS = Number(process.env.FUZZ_RUNS ?? 1);
let fz: FuzzSystem;
let before: Snapshot;

beforeAll(async () => {
  fz = await startFuzzSystem({ analytics: false });
  before = await snapshotTables(fz.db);
}, 120_000);

afterAll(async () => {
  await fz?.stop();
});

/** Requests that would act if the key were right: a valid body on every trigger. */
function actingRequests(): { method: string; path: string; body: string }[] {
  return [
    { method: "POST", path: "/api/processing/cache-sync/trigger", body: '{"mode":"full"}' },
    { method: "POST", path: "/api/processing/trigger-manual", body: '{"phases":["import"],"skip_market_check":true,"run_date":"2025-03-31"}' },
    { method: "POST", path: "/api/processing/schedule", body: '{"enabled":true,"trigger_time":"03:00"}' },
    { method: "DELETE", path: "/api/processing/cancel", body: "" },
  ];
}

function readRequests(): { method: string; path: string; body: string }[] {
  return [
    { method: "GET", path: "/api/processing/status", body: "" },
    { method: "GET", path: "/api/processing/schedule", body: "" },
    { method: "GET", path: `/api/processing/cache-sync/status/${fz.jobId}`, body: "" },
    { method: "GET", path: "/api/processing/cache-sync/history?limit=5", body: "" },
    { method: "GET", path: "/api/processing/cache-sync/stats", body: "" },
    { method: "GET", path: "/api/processing/history?days=3", body: "" },
    { method: "GET", path: `/api/analytics/indicators/${fz.symbols[0]}`, body: "" },
    { method: "GET", path: "/api/analytics/patterns?limit=3", body: "" },
  ];
}

interface KeyCase {
  label: string;
  /** Header lines carrying the key (raw bytes, latin1). */
  lines: Buffer[];
  /** Whether the gateway must accept it (HTTP trims optional whitespace; names are case-insensitive). */
  valid: boolean;
}

const line = (s: string | Buffer): Buffer => (typeof s === "string" ? Buffer.from(s, "latin1") : s);

const keyCase: fc.Arbitrary<KeyCase> = fc.oneof(
  fc.constantFrom<KeyCase>(
    { label: "missing", lines: [], valid: false },
    { label: "empty", lines: [line("X-API-Key:")], valid: false },
    { label: "spaces only", lines: [line("X-API-Key:    ")], valid: false },
    { label: "valid, padded with spaces and tabs", lines: [line(`X-API-Key: \t ${API_KEY} \t `)], valid: true },
    { label: "valid, name in upper case", lines: [line(`X-API-KEY: ${API_KEY}`)], valid: true },
    { label: "valid, no space after the colon", lines: [line(`x-api-key:${API_KEY}`)], valid: true },
    { label: "valid twice (joined as 'k, k')", lines: [line(`X-API-Key: ${API_KEY}`), line(`X-API-Key: ${API_KEY}`)], valid: false },
    { label: "valid then wrong", lines: [line(`X-API-Key: ${API_KEY}`), line("X-API-Key: wrong-key-0123456789")], valid: false },
    { label: "wrong then valid", lines: [line("X-API-Key: wrong-key-0123456789"), line(`X-API-Key: ${API_KEY}`)], valid: false },
    { label: "valid with an inner space", lines: [line(`X-API-Key: ${API_KEY.slice(0, 8)} ${API_KEY.slice(8)}`)], valid: false },
    { label: "valid in upper case", lines: [line(`X-API-Key: ${API_KEY.toUpperCase()}`)], valid: false },
    { label: "valid plus one character", lines: [line(`X-API-Key: ${API_KEY}x`)], valid: false },
    { label: "valid minus one character", lines: [line(`X-API-Key: ${API_KEY.slice(0, -1)}`)], valid: false },
    { label: "valid with a NUL", lines: [line(`X-API-Key: ${API_KEY}\u0000`)], valid: false },
    { label: "valid with a control character", lines: [line(`X-API-Key: ${API_KEY}\u0001`)], valid: false },
    { label: "valid with DEL", lines: [line(`X-API-Key: ${API_KEY}\u007f`)], valid: false },
    { label: "valid folded onto a continuation line", lines: [line(`X-API-Key: tickstock-cache\r\n -sync-2025`)], valid: false },
    { label: "valid as UTF-8 look-alike (Cyrillic)", lines: [Buffer.concat([line("X-API-Key: "), Buffer.from(API_KEY.replace("c", "с"), "utf8")])], valid: false },
    { label: "invalid UTF-8 bytes", lines: [Buffer.concat([line("X-API-Key: "), Buffer.from([0xff, 0xfe, 0xc0, 0xaf])])], valid: false },
    { label: "Authorization: Bearer instead", lines: [line(`Authorization: Bearer ${API_KEY}`)], valid: false },
    { label: "X_API_KEY (underscores)", lines: [line(`X_API_KEY: ${API_KEY}`)], valid: false },
    { label: "x-api-key with a space before the colon", lines: [line(`X-API-Key : ${API_KEY}`)], valid: false },
    { label: "513 characters", lines: [line(`X-API-Key: ${"k".repeat(513)}`)], valid: false },
    { label: "100 x-api-key headers", lines: Array.from({ length: 100 }, () => line(`X-API-Key: ${API_KEY}`)), valid: false },
  ),
  fc.integer({ min: 600, max: 30_000 }).map((n) => ({ label: `${n} characters`, lines: [line(`X-API-Key: ${"k".repeat(n)}`)], valid: false })),
  hostileString.filter((s) => s.trim() !== API_KEY && !/[\r\n]/.test(s)).map((s) => ({ label: `hostile ${JSON.stringify(s.slice(0, 40))}…(${s.length})`, lines: [Buffer.concat([line("X-API-Key: "), Buffer.from(s, "utf8")])], valid: false })),
);

function request(r: { method: string; path: string; body: string }, headerLines: Buffer[], extra: string[] = []): { head: Buffer; body: Buffer } {
  const body = Buffer.from(r.body, "utf8");
  const lines = [line(`${r.method} ${r.path} HTTP/1.1`), line("Host: gateway"), ...headerLines, ...extra.map((e) => line(e))];
  if (body.length > 0) lines.push(line("Content-Type: application/json"), line(`Content-Length: ${body.length}`));
  return { head: Buffer.concat([...lines.flatMap((l) => [l, line("\r\n")]), line("\r\n")]), body };
}

/**
 * The answer to a raw request; null when a head over Node's 16 KiB limit met a closed connection
 * with no answer: Node writes its 431 and closes with the rest of the head unread, and the
 * kernel's RST can discard the 431 at the client before it is read (see rawHttp).
 */
async function answerOrOverflow(head: Buffer, body: Buffer, what: string): Promise<HttpAnswer | null> {
  try {
    return await rawHttp(fz.system.ports.gateway, head, body, 10_000);
  } catch (err) {
    if (head.length > 16 * 1024 && /closed without an HTTP answer/.test((err as Error).message)) return null;
    throw new Error(`${(err as Error).message}: ${what}`);
  }
}

const describeKey = (k: KeyCase, r: { method: string; path: string }) => `${r.method} ${r.path} with key ${k.label}`;

describe("raw HTTP abuse: never a 5xx, the contract's body from the gateway, a wrong key never reaches a service", () => {
  it("X-API-Key abuse: only the configured key passes, on any endpoint, whatever the body", async () => {
    const reads = readRequests();
    const acting = actingRequests();
    await fc.assert(
      fc.asyncProperty(keyCase, fc.nat(), async (k, i) => {
        // A valid key only on reads: the acting requests would act.
        const r = k.valid ? reads[i % reads.length]! : [...reads, ...acting][i % (reads.length + acting.length)]!;
        const { head, body } = request(r, k.lines);
        const what = describeKey(k, r);
        const res = await answerOrOverflow(head, body, what);
        if (!res) return;
        checkAnswer(res, what, { parserMayAnswer: true });
        if (k.valid && res.status !== 200) throw new Error(`a valid key was refused: ${what} -> ${res.status} ${res.body.slice(0, 200)}`);
        if (!k.valid && res.status !== 401 && !(res.body === "" && [400, 431].includes(res.status))) throw new Error(`a wrong key was not a 401: ${what} -> ${res.status} ${res.body.slice(0, 200)}`);
      }),
      { numRuns: 200 * RUNS },
    );
    await assertAllAlive(fz);
  });

  it("many headers, huge headers, odd Expect/Upgrade/Connection headers: never a 5xx", async () => {
    const reads = readRequests();
    const headers = fc.oneof(
      fc.tuple(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 0, max: 40 })).map(([n, size]) => Array.from({ length: n }, (_, i) => `X-H-${i}: ${"v".repeat(size)}`)),
      fc.integer({ min: 1000, max: 70_000 }).map((n) => [`X-Big: ${"b".repeat(n)}`]),
      fc.integer({ min: 1, max: 500 }).map((n) => Array.from({ length: n }, () => "Cookie: a=b")),
      fc.subarray(["Expect: 100-continue", "Expect: something-else", "Connection: Upgrade", "Upgrade: websocket", "Upgrade: h2c", "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA", "Connection: keep-alive, close", "Transfer-Encoding: identity", "Content-Encoding: gzip", "Accept-Encoding: gzip, br", "Accept: application/xml", "Range: bytes=0-1", "If-None-Match: *", "X-Forwarded-For: 127.0.0.1, ::1", "Forwarded: for=\"[::1]\"", "Max-Forwards: 0", "Origin: null", "Accept-Language: " + "x,".repeat(2000)], { minLength: 1 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...reads), headers, async (r, extra) => {
        const { head, body } = request(r, [line(`X-API-Key: ${API_KEY}`)], extra);
        const what = `${r.method} ${r.path} with ${extra.length} extra headers (${head.length} bytes of head): ${extra.slice(0, 3).join(" | ").slice(0, 200)}`;
        const res = await answerOrOverflow(head, body, what);
        if (!res) return;
        checkAnswer(res, what, { parserMayAnswer: true });
        // Node's parser refuses some itself: Expect other than 100-continue (417), a
        // Transfer-Encoding on a request without a body (400).
        const parserRefuses = extra.some((e) => e.startsWith("Expect: s") || e.startsWith("Transfer-Encoding"));
        // Node counts a per-header overhead against maxHeaderSize (16 KiB): ~1,200 empty headers
        // in 13 KB are already a 431, and one run saw a 431 for 999 headers in 11 KB.
        if (head.length < 8_000 && extra.length < 500 && !parserRefuses && res.status !== 200) throw new Error(`expected 200: ${what} -> ${res.status} ${res.body.slice(0, 200)}`);
      }),
      { numRuns: 120 * RUNS },
    );
    await assertAllAlive(fz);
  });

  it("malformed request lines and framing: answered by Node's parser or the gateway, never a 5xx", async () => {
    const k = `X-API-Key: ${API_KEY}`;
    const path = "/api/processing/status";
    const trig = "/api/processing/cache-sync/trigger";
    const cases: string[] = [
      `get ${path} HTTP/1.1\r\nHost: g\r\n${k}\r\n\r\n`,
      `GET  ${path} HTTP/1.1\r\nHost: g\r\n${k}\r\n\r\n`,
      `GET ${path}\r\nHost: g\r\n${k}\r\n\r\n`,
      `GET ${path} HTTP/1.0\r\n${k}\r\n\r\n`,
      `GET ${path} HTTP/1.1\r\n${k}\r\n\r\n`, // no Host
      `GET ${path} HTTP/1.1\r\nHost: g\r\nHost: h\r\n${k}\r\n\r\n`,
      `GET ${path} HTTP/2.0\r\nHost: g\r\n${k}\r\n\r\n`,
      `GET ${path} HTTP/1.1\nHost: g\n${k}\n\n`,
      `GET ${path} HTTP/1.1\r\nHost: g\r\n${k}\r\nBad Header: x\r\n\r\n`,
      `GET ${path} HTTP/1.1\r\nHost: g\r\n${k}\r\n: no-name\r\n\r\n`,
      `GET ${path} HTTP/1.1\r\nHost: g\r\n${k}\r\nX-Nul: a\u0000b\r\n\r\n`,
      `GET ${path}?a=\u0001 HTTP/1.1\r\nHost: g\r\n${k}\r\n\r\n`,
      `GET ${path} HTTP/1.1\r\nHost: g\r\n${k}\r\nContent-Length: -1\r\n\r\n`,
      `GET ${path} HTTP/1.1\r\nHost: g\r\n${k}\r\nContent-Length: abc\r\n\r\n`,
      `GET ${path} HTTP/1.1\r\nHost: g\r\n${k}\r\nContent-Length: 99999999999999999999999\r\n\r\n`,
      `POST ${trig} HTTP/1.1\r\nHost: g\r\n${k}\r\nContent-Type: application/json\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n{"a":1}`,
      `POST ${trig} HTTP/1.1\r\nHost: g\r\n${k}\r\nContent-Type: application/json\r\nContent-Length: 15\r\nTransfer-Encoding: chunked\r\n\r\na\r\n{"mode":1}\r\n0\r\n\r\n`,
      `POST ${trig} HTTP/1.1\r\nHost: g\r\n${k}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{"mode":1}\r\n0\r\n\r\n`,
      `POST ${trig} HTTP/1.1\r\nHost: g\r\n${k}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5;${"e".repeat(20_000)}\r\n{"a":\r\n0\r\n\r\n`,
      `POST ${trig} HTTP/1.1\r\nHost: g\r\n${k}\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\n\r\na\r\n{"mode":1}\r\n0\r\n\r\n`,
      `POST ${trig} HTTP/1.1\r\nHost: g\r\n${k}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{"mode":"bogus"}`, // short Content-Length: "{"" is the body, the rest a second request
      `POST ${trig} HTTP/1.1\r\nHost: g\r\n${k}\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{"mode":"bogus"}GET ${path} HTTP/1.1\r\nHost: g\r\n\r\n`,
      `FOO ${path} HTTP/1.1\r\nHost: g\r\n${k}\r\n\r\n`,
      `TRACE ${path} HTTP/1.1\r\nHost: g\r\n${k}\r\n\r\n`,
      `CONNECT gateway:443 HTTP/1.1\r\nHost: g\r\n${k}\r\n\r\n`,
      `PRI * HTTP/1.1\r\nHost: g\r\n${k}\r\n\r\n`,
      `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n${"\u0000".repeat(9)}`, // an h2c preface followed by a broken frame
      `OPTIONS * HTTP/1.1\r\nHost: g\r\n${k}\r\n\r\n`,
      `GET * HTTP/1.1\r\nHost: g\r\n${k}\r\n\r\n`,
      `GET ${path}#frag HTTP/1.1\r\nHost: g\r\n${k}\r\n\r\n`,
      `GET ${path}?? HTTP/1.1\r\nHost: g\r\n${k}\r\n\r\n`,
      `GET /api/processing/%73tatus HTTP/1.1\r\nHost: g\r\n${k}\r\n\r\n`,
      `GET /api/processing/./status HTTP/1.1\r\nHost: g\r\n${k}\r\n\r\n`,
      `GET /api/processing/cache-sync/status/../../status HTTP/1.1\r\nHost: g\r\n${k}\r\n\r\n`,
      `GET /api/processing/cache-sync/status/..%2F..%2F..%2Fetc%2Fpasswd HTTP/1.1\r\nHost: g\r\n${k}\r\n\r\n`,
      `GET /api/processing/cache-sync/status/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: g\r\n${k}\r\n\r\n`,
      `GET /api/processing/cache-sync/status/\\..\\..\\etc\\passwd HTTP/1.1\r\nHost: g\r\n${k}\r\n\r\n`,
      `GET /api/processing/cache-sync/status/${"a".repeat(20_000)} HTTP/1.1\r\nHost: g\r\n${k}\r\n\r\n`,
      `GET ${"/a".repeat(8_000)} HTTP/1.1\r\nHost: g\r\n${k}\r\n\r\n`,
    ];
    const raw = fc.oneof(
      fc.constantFrom(...cases).map((c) => Buffer.from(c, "latin1")),
      // Raw bytes in the request target: UTF-8, invalid UTF-8, spaces and controls.
      fc.tuple(fc.constantFrom("/api/processing/cache-sync/status/", "/api/analytics/indicators/", "/api/analytics/patterns?symbol=", "/api/processing/history?days="), fc.uint8Array({ minLength: 1, maxLength: 40 })).map(([p, bytes]) =>
        Buffer.concat([Buffer.from(`GET ${p}`, "latin1"), Buffer.from(bytes), Buffer.from(` HTTP/1.1\r\nHost: g\r\n${k}\r\n\r\n`, "latin1")]),
      ),
      fc.tuple(fc.constantFrom("/api/analytics/indicators/", "/api/processing/cache-sync/status/"), fc.string({ unit: "binary", minLength: 1, maxLength: 20 })).map(([p, s]) => Buffer.from(`GET ${p}${s} HTTP/1.1\r\nHost: g\r\n${k}\r\n\r\n`, "utf8")),
    );
    await fc.assert(
      fc.asyncProperty(raw, async (bytes) => {
        const text = bytes.toString("latin1");
        // No HTTP/1.1 answer is right for two: the h2 server answers a broken frame with GOAWAY,
        // and Node closes a CONNECT (no 'connect' listener: the gateway is no proxy).
        const silentOk = text.startsWith("PRI * HTTP/2.0\r\n\r\nSM") || text.startsWith("CONNECT ");
        const res = await rawHttp(fz.system.ports.gateway, bytes, undefined, 5_000).catch((err: Error) => {
          if (silentOk) return null;
          throw new Error(`${err.message}: ${JSON.stringify(bytes.toString("latin1").slice(0, 200))}`);
        });
        if (!res) return;
        const what = JSON.stringify(text.slice(0, 300));
        // Targets outside /api (`*`, `/a/a/…`) are the Connect handler's: its own error bodies.
        if (!/^\S+ (http:\/\/gateway)?\/api\//.test(text)) {
          if (res.status >= 500) throw new Error(`5xx: ${what} -> ${res.status} ${res.body.slice(0, 200)}`);
          return;
        }
        checkAnswer(res, what, { parserMayAnswer: true });
      }),
      { numRuns: 200 * RUNS },
    );
    await assertAllAlive(fz);
  });

  it("h2c: odd :path values, header abuse and unknown methods over HTTP/2 prior knowledge: never a 5xx", async () => {
    const req = fc.record({
      path: fc.oneof(
        fc.constantFrom("/api/processing/status", "/api/processing/cache-sync/status/..%2F..%2Fetc%2Fpasswd", "/api/processing/cache-sync/status/%00", "/api/analytics/indicators/%FF", "/api/processing/history?days=NaN", "/api/processing/history?days=1&days=2", "*", "/api/processing/cache-sync/status/" + "x".repeat(20_000)),
        hostileString.filter((s) => s.length < 2000).map((s) => `/api/processing/cache-sync/status/${encodeURIComponent(s)}`),
      ),
      method: fc.constantFrom("GET", "HEAD", "PUT", "PATCH", "OPTIONS", "FOO"),
      key: fc.oneof(fc.constant(API_KEY), fc.constant(` ${API_KEY} `), hostileString.map((s) => s.slice(0, 1000))),
      extra: fc.integer({ min: 0, max: 200 }),
    });
    await fc.assert(
      fc.asyncProperty(req, async (r) => {
        const headers: http2.OutgoingHttpHeaders = { ":method": r.method, ":path": r.path, "x-api-key": r.key };
        for (let i = 0; i < r.extra; i++) headers[`x-h-${i}`] = "v".repeat(50);
        const res = await h2Request(headers);
        if (res.status <= 0) return; // refused by the client library, or the stream reset
        const what = `h2 ${r.method} ${r.path.slice(0, 200)} key=${JSON.stringify(r.key.slice(0, 40))} +${r.extra} headers`;
        if (r.method === "HEAD" || !r.path.startsWith("/api/")) {
          if (res.status >= 500) throw new Error(`5xx: ${what} -> ${res.status}`);
          return;
        }
        checkAnswer(res, what, { parserMayAnswer: true });
      }),
      { numRuns: 120 * RUNS },
    );
    await assertAllAlive(fz);
  });

  it("a client gone while its body is read is not logged as a gateway bug and gets no 500 (regression)", async () => {
    // Content-Length 100, 10 bytes sent, then the connection closes: readBody rejects with
    // Node's plain Error("aborted") (ECONNRESET), which sendError takes for a bug — an error log
    // line "gateway bug" and a 500 written to a closed socket. Node's parser does the same to a
    // request it refuses after the headers (e.g. `Transfer-Encoding: identity` on a GET).
    const logged = () => bugLogLines(fz).filter((l) => l.includes('"gateway bug"')).length;
    const before = logged();
    await new Promise<void>((resolve) => {
      const sock = connect(fz.system.ports.gateway, "127.0.0.1", () => {
        sock.write(`POST /api/processing/cache-sync/trigger HTTP/1.1\r\nHost: g\r\nX-API-Key: ${API_KEY}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"mode":"f`);
        setTimeout(() => sock.destroy(), 200);
      });
      sock.on("error", () => undefined);
      sock.on("close", () => resolve());
    });
    await new Promise((ok) => setTimeout(ok, 300));
    expect(logged() - before).toBe(0);
  });

  it("no stored row of any service changed (a wrong key never acted), no process died, no bug was logged", async () => {
    expect(snapshotDiff(before, await snapshotTables(fz.db))).toEqual([]);
    await assertAllAlive(fz);
    expect(bugLogLines(fz)).toEqual([]);
  });
});

// Last in the file: until the bug below is fixed, the first such request kills the gateway.
describe("request targets the URL parser refuses", () => {
  afterEach(async () => {
    if (await reviveGateway(fz)) console.error("the gateway was restarted after a crash");
  });

  it("GET // and other targets the URL parser refuses are a 400 and never kill the gateway (regression)", async () => {
    // `new URL(req.url ?? "/", "http://gateway")` runs before the try block of handle(), which
    // is called as `void handle(req, res)`: the TypeError becomes an unhandled rejection and
    // Node 24 exits. One unauthenticated request is enough.
    const res = await rawHttp(fz.system.ports.gateway, "GET // HTTP/1.1\r\nHost: g\r\n\r\n", undefined, 5_000).catch((err: Error) => ({ status: 0, headers: {}, body: err.message }));
    await new Promise((ok) => setTimeout(ok, 300));
    await assertAllAlive(fz);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it("any request target — scheme-relative, absolute-form, odd hosts and ports, over HTTP/1.1 and h2c: never a 5xx, never a crash", async () => {
    const watch = deathWatch(fz);
    const target = fc.oneof(
      fc.constantFrom("//", "///", "//%0B", "//[", "//a:99999/api/processing/status", "//gateway/api/processing/status", "//user:pass@gateway/api/processing/status", "http://gateway/api/processing/status", "http://a:99999/x", "http://[/x", "http://[::1/x", "https://gateway:0/api/processing/status", "ftp://x/y", "javascript:alert(1)", "http:/api/processing/status", "file:///etc/passwd", "http://%zz/", "/\\\\evil/x", "\\\\evil/x"),
      fc.tuple(fc.constantFrom("//", "http://", "https://", "/"), hostileString.map((s) => encodeURIComponent(s.slice(0, 60))), fc.constantFrom("", "/api/processing/status", "/x")).map(([a, b, c]) => `${a}${b}${c}`),
    );
    await fc.assert(
      fc.asyncProperty(target, fc.boolean(), async (t, h2) =>
        watch(
          () => `${h2 ? "h2 :path" : "HTTP/1.1 GET"} ${t}`,
          async () => {
            let res: HttpAnswer;
            if (h2) {
              res = await h2Request({ ":method": "GET", ":path": t, "x-api-key": API_KEY });
              if (res.status <= 0) return;
            } else {
              res = await rawHttp(fz.system.ports.gateway, `GET ${t} HTTP/1.1\r\nHost: g\r\nX-API-Key: ${API_KEY}\r\n\r\n`, undefined, 5_000);
            }
            if (res.status >= 500) throw new Error(`5xx: GET ${t} -> ${res.status} ${res.body.slice(0, 200)}`);
          },
        ),
      ),
      { numRuns: 150 * RUNS },
    );
    await assertAllAlive(fz);
  });

  it("outside /api (the Connect protocol's routes, where the contract body does not apply): never a 5xx, never a crash", async () => {
    // Paths that are not /api/… or /health go to the Connect handler: it answers its own errors
    // (404 with an empty body for an unknown path, Connect's {code, message} JSON otherwise).
    const watch = deathWatch(fz);
    const path = fc.oneof(
      fc.constantFrom("/", "/API/processing/status", "/Api/processing/status", "/apix", "/health/", "/health/x", "/openapi.json/x", "/tickstock.coordinator.v1.CoordinatorService/GetStatus", "/tickstock.coordinator.v1.CoordinatorService/GetSchedule", "/tickstock.cachesync.v1.CacheSyncService/GetJob", "/tickstock.import.v1.ImportService/ListBars", "/tickstock.analytics.v1.AnalyticsService/GetIndicators", "/grpc.health.v1.Health/Check", "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", "/tickstock.coordinator.v1.CoordinatorService/", "/%2e%2e/etc/passwd"),
      fc.array(hostileString.map((s) => encodeURIComponent(s.slice(0, 50))), { minLength: 1, maxLength: 3 }).map((segs) => `/${segs.join("/")}`).filter((p) => !p.startsWith("/api") && p !== "/health" && p !== "/openapi.json"),
    );
    const body = fc.option(fc.constantFrom("{}", '{"job_id":"x"}', "\u0000\u0000\u0000\u0000\u0005abcde", "not json"), { nil: undefined });
    const type = fc.constantFrom("application/json", "application/proto", "application/connect+json", "application/grpc", "application/grpc-web+proto", "text/plain");
    await fc.assert(
      fc.asyncProperty(path, fc.constantFrom("GET", "POST", "PUT", "DELETE"), body, type, async (p, method, b, t) =>
        watch(
          () => `${method} ${p} (${t})`,
          async () => {
            const res = await httpFetch(fz.system.gatewayUrl, { method, path: p, headers: { "x-api-key": API_KEY, "content-type": t, "connect-protocol-version": "1" }, body: method === "GET" ? undefined : b });
            if (res.status >= 500) throw new Error(`5xx answer: ${method} ${p} (${t}) -> ${res.status} ${res.body.slice(0, 300)}`);
          },
        ),
      ),
      { numRuns: 100 * RUNS },
    );
    await assertAllAlive(fz);
  });
});

/** One request over a fresh h2c session; status 0 when the client library refuses it, -1 when the stream fails unanswered. */
async function h2Request(headers: http2.OutgoingHttpHeaders): Promise<HttpAnswer> {
  const session = http2.connect(`http://127.0.0.1:${fz.system.ports.gateway}`);
  session.on("error", () => undefined);
  try {
    return await new Promise<HttpAnswer>((resolve) => {
      let stream: http2.ClientHttp2Stream;
      try {
        stream = session.request(headers, { endStream: true });
      } catch {
        return resolve({ status: 0, headers: {}, body: "" });
      }
      let status = 0;
      let head: Record<string, string> = {};
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => resolve({ status: -1, headers: {}, body: "no answer in 5 s" }), 5_000);
      stream.on("response", (h) => {
        status = Number(h[":status"]);
        head = Object.fromEntries(Object.entries(h).filter(([k]) => !k.startsWith(":")).map(([k, v]) => [k, String(v)]));
      });
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => (clearTimeout(timer), resolve({ status, headers: head, body: Buffer.concat(chunks).toString("utf8") })));
      stream.on("error", (err) => (clearTimeout(timer), resolve({ status: status || -1, headers: head, body: `stream error: ${err.message}` })));
    });
  } finally {
    session.destroy();
  }
}
