// The Massive provider against a fake Massive on 127.0.0.1 serving the shared fixtures.
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createProvider, type MassiveProviderConfig } from "./index.ts";
import { providerRateLimited, providerRequests } from "@tickstock/common/metrics.ts";
import { createMassiveHttp, endpointOf, parseRetryAfter } from "./massive-http.ts";
import { sectorOfSic } from "./sic-sectors.ts";
import { ProviderError, type ProviderEvents } from "./types.ts";

const FIXTURES = new URL("../../../../../shared/fixtures/massive/", import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), "utf8");
const KEY = "test-key-5f1c";
const GROUPED = "/v2/aggs/grouped/locale/us/market/stocks/2025-01-24";

interface Scripted {
  status: number;
  body?: string | object;
  headers?: Record<string, string>;
  /** Never answer (for timeouts). */
  hang?: boolean;
}

interface Seen {
  path: string;
  query: Record<string, string>;
  auth: string | undefined;
  at: number;
}

// ---- the fake server ----

let server: Server;
let baseUrl: string;
const seen: Seen[] = [];
const scripts = new Map<string, Scripted[]>();
const hanging = new Set<IncomingMessage>();

/** The next answers for a path, served before the fixtures (in order, once each). */
function script(path: string, ...answers: Scripted[]) {
  scripts.set(path, [...(scripts.get(path) ?? []), ...answers]);
}

function route(path: string, query: URLSearchParams, auth: string | undefined): Scripted {
  if (auth !== `Bearer ${KEY}`) return { status: 401, body: { status: "ERROR", request_id: "r401", error: "Unknown API Key" } };
  const next = scripts.get(path)?.shift();
  if (next) return next;
  if (path === GROUPED) return { status: 200, body: fixture("grouped-daily.json") };
  if (path === "/v3/reference/tickers") return { status: 200, body: fixture(query.has("cursor") ? "tickers-page2.json" : "tickers-page1.json") };
  if (path === "/v3/reference/tickers/AAPL") return { status: 200, body: fixture("ticker-details-AAPL.json") };
  return { status: 404, body: { status: "NOT_FOUND", request_id: "r404", message: "Not found." } };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    seen.push({ path: url.pathname, query: Object.fromEntries(url.searchParams), auth: req.headers.authorization, at: performance.now() });
    const answer = route(url.pathname, url.searchParams, req.headers.authorization);
    if (answer.hang) {
      hanging.add(req);
      return;
    }
    const body = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body ?? {});
    res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const req of hanging) req.socket.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen.length = 0;
  scripts.clear();
});

// ---- helpers ----

function massive(over: Partial<MassiveProviderConfig> = {}, events?: ProviderEvents) {
  return createProvider(
    { provider: "massive", apiKey: KEY, baseUrl, maxRetries: 3, timeoutMs: 2000, detailsLimit: 10, retryBaseMs: 5, retryMaxMs: 20, rateLimitWaitMs: 10, ...over },
    events,
  );
}

function recorder() {
  const rateLimits: { retryAfterSeconds: number; url: string; attempt: number }[] = [];
  const retries: { status: number | string; attempt: number; delayMs: number; url: string }[] = [];
  const events: ProviderEvents = { onRateLimit: (i) => rateLimits.push(i), onRetry: (i) => retries.push(i) };
  return { events, rateLimits, retries };
}

async function providerError(promise: Promise<unknown>): Promise<ProviderError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

const ERROR_429 = () => ({ status: 429, body: fixture("error-429.json") });

// ---- grouped daily ----

describe("massive provider: grouped daily", () => {
  it("parses the grouped bars of a date (a row without n, t ignored, fractional volume)", async () => {
    const b = await massive().dailyBars("2025-01-24");
    expect(b.date).toBe("2025-01-24");
    expect(b.symbols).toEqual(["AAPL", "MSFT", "NVDA", "AMZN", "JPM", "SPY", "KO", "ABCDW"]);
    const at = (s: string) => b.symbols.indexOf(s);
    expect([b.open[at("AAPL")], b.high[at("AAPL")], b.low[at("AAPL")], b.close[at("AAPL")], b.volume[at("AAPL")]]).toEqual([224.78, 225.63, 221.41, 222.78, 54217301]);
    expect(b.volume[at("SPY")]).toBe(43011958.5);
    expect([b.open[at("ABCDW")], b.close[at("ABCDW")], b.volume[at("ABCDW")]]).toEqual([0.09, 0.0925, 1200]);
    expect(b.rejected).toEqual([]);
    expect(b.source).toBe("massive grouped 2025-01-24");
  });

  it("asks for adjusted bars with the key in the Authorization header, never in the URL", async () => {
    await massive().dailyBars("2025-01-24");
    expect(seen).toEqual([{ path: GROUPED, query: { adjusted: "true" }, auth: `Bearer ${KEY}`, at: expect.any(Number) }]);
  });

  it.each([
    ["no results key", { status: "OK", queryCount: 0, resultsCount: 0, adjusted: true, request_id: "h1" }],
    ["results null", { status: "OK", queryCount: 0, resultsCount: 0, adjusted: true, request_id: "h2", results: null }],
    ["results []", { status: "OK", queryCount: 0, resultsCount: 0, adjusted: true, request_id: "h3", results: [] }],
  ])("gives an empty batch for a holiday answer with %s", async (_, body) => {
    script("/v2/aggs/grouped/locale/us/market/stocks/2025-01-01", { status: 200, body });
    const b = await massive().dailyBars("2025-01-01");
    expect(b.symbols).toEqual([]);
    expect(b.rejected).toEqual([]);
    expect(seen).toHaveLength(1);
  });

  it("reports rows that fail the schema, skips OTC rows, tolerates extra keys", async () => {
    script(GROUPED, {
      status: 200,
      body: {
        status: "DELAYED",
        adjusted: true,
        queryCount: 5,
        resultsCount: 5,
        count: 5,
        request_id: "x",
        something_new: { nested: true },
        results: [
          { T: "AAPL", o: 1, h: 2, l: 0.5, c: 1.5, v: 10, t: 1737752400000, extra: "ok" },
          { T: "BAD", o: "1", h: 2, l: 0.5, c: 1.5, v: 10, t: 1737752400000 },
          { o: 1, h: 2, l: 0.5, c: 1.5, v: 10, t: 1737752400000 },
          { T: "OTCX", o: 1, h: 2, l: 0.5, c: 1.5, v: 10, t: 1737752400000, otc: true },
          { T: "NOVOL", o: 1, h: 2, l: 0.5, c: 1.5, t: 1737752400000 },
        ],
      },
    });
    const b = await massive().dailyBars("2025-01-24");
    expect(b.symbols).toEqual(["AAPL"]);
    expect(b.rejected).toEqual([
      { symbol: "BAD", date: "2025-01-24", reason: expect.stringMatching(/^bad row: o: /), source: "massive grouped 2025-01-24" },
      { symbol: "", date: "2025-01-24", reason: expect.stringMatching(/^bad row: T: /), source: "massive grouped 2025-01-24" },
      { symbol: "NOVOL", date: "2025-01-24", reason: expect.stringMatching(/^bad row: v: /), source: "massive grouped 2025-01-24" },
    ]);
  });

  it("fails with bad_response on an answer of the wrong shape or not JSON", async () => {
    script(GROUPED, { status: 200, body: { status: "OK", results: { T: "AAPL" } } }, { status: 200, body: "<html>oops</html>" });
    expect((await providerError(massive().dailyBars("2025-01-24"))).kind).toBe("bad_response");
    expect((await providerError(massive().dailyBars("2025-01-24"))).kind).toBe("bad_response");
  });
});

// ---- tickers and details ----

describe("massive provider: symbols", () => {
  it("follows next_url across two pages, re-adding the key and sending nothing but the cursor", async () => {
    const symbols = await massive({ detailsLimit: 0 }).listSymbols("2025-01-24");
    expect(symbols.map((s) => s.symbol)).toEqual(["A", "AA", "AAPL", "ABCDW", "JPM", "SPY"]);
    expect(seen.map((r) => [r.path, r.query, r.auth])).toEqual([
      ["/v3/reference/tickers", { market: "stocks", active: "true", limit: "1000" }, `Bearer ${KEY}`],
      ["/v3/reference/tickers", { cursor: expect.stringMatching(/^YWN0aXZl/) }, `Bearer ${KEY}`],
    ]);
  });

  it("fills market cap, SIC, list date and sector from ticker details, and skips a 404", async () => {
    const symbols = await massive({ detailsLimit: 10 }).listSymbols("2025-01-24");
    const aapl = symbols.find((s) => s.symbol === "AAPL");
    expect(aapl).toEqual({
      symbol: "AAPL",
      name: "Apple Inc.",
      sector: "Information Technology",
      industry: "ELECTRONIC COMPUTERS",
      sicCode: "3571",
      sicDescription: "ELECTRONIC COMPUTERS",
      marketCap: 3346417234560.12,
      listDate: "1980-12-12",
      active: true,
      delistedDate: null,
      sp500: false,
      nasdaq100: false,
      exchange: "XNAS",
      type: "CS",
    });
    const spy = symbols.find((s) => s.symbol === "SPY")!;
    expect([spy.marketCap, spy.type, spy.exchange, spy.sicCode]).toEqual([null, "ETF", "ARCX", ""]);
    const details = seen.filter((r) => r.path.startsWith("/v3/reference/tickers/"));
    expect(details).toHaveLength(6);
    // Common stocks first: the ETF and the warrant come last.
    expect(details.map((r) => r.path.split("/").pop())).toEqual(["A", "AA", "AAPL", "JPM", "ABCDW", "SPY"]);
  });

  it("asks for at most detailsLimit ticker details", async () => {
    const symbols = await massive({ detailsLimit: 2 }).listSymbols("2025-01-24");
    expect(seen.filter((r) => r.path.startsWith("/v3/reference/tickers/"))).toHaveLength(2);
    expect(symbols.find((s) => s.symbol === "AAPL")?.marketCap).toBeNull();
  });
});

// ---- errors and retries ----

describe("massive provider: rate limits, retries and errors", () => {
  it("retries a 429 and calls onRateLimit for it", async () => {
    script(GROUPED, ERROR_429());
    const r = recorder();
    const b = await massive({}, r.events).dailyBars("2025-01-24");
    expect(b.symbols).toHaveLength(8);
    expect(seen).toHaveLength(2);
    expect(r.rateLimits).toEqual([{ retryAfterSeconds: 1, url: `${baseUrl}${GROUPED}?adjusted=true`, attempt: 1 }]);
    expect(r.retries).toEqual([{ status: 429, attempt: 1, delayMs: 10, url: `${baseUrl}${GROUPED}?adjusted=true` }]);
  });

  it("waits the Retry-After seconds of a 429", async () => {
    script(GROUPED, { ...ERROR_429(), headers: { "Retry-After": "1" } });
    const r = recorder();
    await massive({ rateLimitWaitMs: 10_000 }, r.events).dailyBars("2025-01-24");
    expect(r.rateLimits[0]?.retryAfterSeconds).toBe(1);
    const waited = seen[1]!.at - seen[0]!.at;
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(waited).toBeLessThan(5000);
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2025-01-24T21:00:00Z");
    expect(parseRetryAfter("7", now)).toBe(7000);
    expect(parseRetryAfter("Fri, 24 Jan 2025 21:00:03 GMT", now)).toBe(3000);
    expect(parseRetryAfter("Fri, 24 Jan 2025 20:59:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter("86400", now)).toBe(600_000); // capped at 10 minutes
  });

  it("retries a 500 with backoff and then succeeds", async () => {
    script(GROUPED, { status: 500, body: { status: "ERROR", request_id: "x", error: "internal" } }, { status: 502, body: "bad gateway" });
    const r = recorder();
    const b = await massive({}, r.events).dailyBars("2025-01-24");
    expect(b.symbols).toHaveLength(8);
    expect(r.retries.map((x) => [x.status, x.attempt])).toEqual([
      [500, 1],
      [502, 2],
    ]);
    for (const x of r.retries) expect(x.delayMs).toBeLessThanOrEqual(20);
    expect(r.rateLimits).toEqual([]);
  });

  it("fails at once with an auth error on 401, without the key in the message", async () => {
    const secret = "sk-live-should-never-show";
    const r = recorder();
    const err = await providerError(massive({ apiKey: secret }, r.events).dailyBars("2025-01-24"));
    expect([err.kind, err.status]).toEqual(["auth", 401]);
    expect(err.message).toContain("Unknown API Key");
    expect(err.message).not.toContain(secret);
    expect(seen).toHaveLength(1);
    expect(r.retries).toEqual([]);
  });

  it("never repeats the key even when the server echoes it", async () => {
    script(GROUPED, { status: 401, body: { status: "ERROR", request_id: "x", error: `Unknown API Key ${KEY}` } });
    const err = await providerError(massive().dailyBars("2025-01-24"));
    expect(err.message).not.toContain(KEY);
  });

  it("uses the message of a 403 NOT_AUTHORIZED answer", async () => {
    const message = "You are not entitled to this data. Please upgrade your plan at https://massive.com/pricing";
    script(GROUPED, { status: 403, body: { status: "NOT_AUTHORIZED", request_id: "x", message } });
    const err = await providerError(massive().dailyBars("2025-01-24"));
    expect([err.kind, err.status]).toEqual(["auth", 403]);
    expect(err.message).toContain(message);
    expect(seen).toHaveLength(1);
  });

  it("gives up with rate_limited after maxRetries retries of 429", async () => {
    script(GROUPED, ERROR_429(), ERROR_429(), ERROR_429());
    const r = recorder();
    const err = await providerError(massive({ maxRetries: 2 }, r.events).dailyBars("2025-01-24"));
    expect([err.kind, err.status]).toEqual(["rate_limited", 429]);
    expect(err.message).toContain("exceeded the maximum requests per minute");
    expect(seen).toHaveLength(3);
    expect(r.rateLimits.map((x) => x.attempt)).toEqual([1, 2, 3]);
    expect(r.retries).toHaveLength(2);
  });

  it("gives up with unavailable after maxRetries retries of 5xx", async () => {
    script(GROUPED, { status: 503, body: "" }, { status: 503, body: "" });
    const err = await providerError(massive({ maxRetries: 1 }).dailyBars("2025-01-24"));
    expect([err.kind, err.status]).toEqual(["unavailable", 503]);
    expect(seen).toHaveLength(2);
  });

  it("retries a timeout, then gives up with unavailable", async () => {
    script(GROUPED, { status: 200, hang: true }, { status: 200, hang: true });
    const r = recorder();
    const err = await providerError(massive({ maxRetries: 1, timeoutMs: 150 }, r.events).dailyBars("2025-01-24"));
    expect(err.kind).toBe("unavailable");
    expect(err.message).toContain("no answer within 150 ms");
    expect(r.retries.map((x) => x.status)).toEqual(["timeout"]);
  });

  it("retries network errors, then gives up with unavailable", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const r = recorder();
    const err = await providerError(massive({ baseUrl: `http://127.0.0.1:${port}`, maxRetries: 2 }, r.events).dailyBars("2025-01-24"));
    expect(err.kind).toBe("unavailable");
    expect(r.retries.map((x) => x.status)).toEqual(["network", "network"]);
  });

  it("stops at once when the caller aborts during a backoff", async () => {
    script(GROUPED, ERROR_429());
    const controller = new AbortController();
    const p = massive({ rateLimitWaitMs: 30_000 }, { onRateLimit: () => setTimeout(() => controller.abort(), 20) });
    const started = performance.now();
    await expect(p.dailyBars("2025-01-24", controller.signal)).rejects.toMatchObject({ name: "AbortError" });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(seen).toHaveLength(1);
  });

  it("re-bases next_url on the configured base URL and drops any apiKey in it", () => {
    const http = createMassiveHttp({ apiKey: KEY, baseUrl: `${baseUrl}/`, maxRetries: 0, timeoutMs: 1000 });
    expect(http.rebase("https://api.massive.com/v3/reference/tickers?cursor=abc&apiKey=zzz")).toBe("/v3/reference/tickers?cursor=abc");
  });
});

// ---- metrics ----

/** The current value of a counter's series (0 when it has none yet). */
async function counted(metric: typeof providerRequests | typeof providerRateLimited, labels: Record<string, string>): Promise<number> {
  const { values } = await metric.get();
  return values.find((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x))?.value ?? 0;
}

describe("massive provider: metrics", () => {
  it("counts every attempt by endpoint and status, and each 429", async () => {
    const grouped = (status: string) => counted(providerRequests, { provider: "massive", endpoint: "grouped_daily", status });
    const before = { ok: await grouped("200"), limited: await grouped("429"), down: await grouped("503"), rl: await counted(providerRateLimited, { endpoint: "grouped_daily" }) };
    script(GROUPED, ERROR_429(), { status: 503, body: "" });
    await massive().dailyBars("2025-01-24");
    expect([await grouped("200"), await grouped("429"), await grouped("503")]).toEqual([before.ok + 1, before.limited + 1, before.down + 1]);
    expect(await counted(providerRateLimited, { endpoint: "grouped_daily" })).toBe(before.rl + 1);
  });

  it("labels the tickers list and ticker details as endpoints, never by ticker, and counts timeouts", async () => {
    const tickers = await counted(providerRequests, { endpoint: "tickers", status: "200" });
    const details404 = await counted(providerRequests, { endpoint: "ticker_details", status: "404" });
    await massive({ detailsLimit: 10 }).listSymbols("2025-01-24");
    expect(await counted(providerRequests, { endpoint: "tickers", status: "200" })).toBe(tickers + 2);
    expect(await counted(providerRequests, { endpoint: "ticker_details", status: "404" })).toBeGreaterThan(details404);
    const timeouts = await counted(providerRequests, { endpoint: "grouped_daily", status: "timeout" });
    script(GROUPED, { status: 200, hang: true });
    await providerError(massive({ maxRetries: 0, timeoutMs: 100 }).dailyBars("2025-01-24"));
    expect(await counted(providerRequests, { endpoint: "grouped_daily", status: "timeout" })).toBe(timeouts + 1);
  });

  it.each([
    ["/v2/aggs/grouped/locale/us/market/stocks/2025-01-24?adjusted=true", "grouped_daily"],
    ["/v3/reference/tickers?market=stocks&active=true&limit=1000", "tickers"],
    ["/v3/reference/tickers?cursor=abc", "tickers"],
    ["/v3/reference/tickers/BRK.B", "ticker_details"],
    ["/v1/open-close/AAPL/2025-01-24", "other"],
  ])("maps %s to the endpoint %s", (path, endpoint) => {
    expect(endpointOf(path)).toBe(endpoint);
  });
});

describe("sectorOfSic", () => {
  it.each([
    ["3571", "Information Technology"],
    ["3674", "Information Technology"],
    ["7372", "Information Technology"],
    ["2834", "Health Care"],
    ["2836", "Health Care"],
    ["6022", "Financials"],
    ["6798", "Real Estate"],
    ["4911", "Utilities"],
    ["1311", "Energy"],
    ["7370", "Communication Services"],
    ["", ""],
    ["abcd", ""],
  ])("maps SIC %j to %j", (sic, sector) => {
    expect(sectorOfSic(sic)).toBe(sector);
  });
});
