import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { fromBinary, type DescMethod, type DescService, type JsonValue } from "@bufbuild/protobuf";
import { Code, ConnectError, type Client, type ConnectRouter, type Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { codeName, errorMetadata, HTTP_STATUS, invalidArgument, resourceExhausted } from "@tickstock/common/errors.ts";
import type { Logger } from "@tickstock/common/log.ts";
import { registry } from "@tickstock/common/metrics.ts";
import { createKeyChecker, keyDigest } from "./auth.ts";
import { checkHealth, type HealthProbe } from "./health.ts";
import { contractJson, decodeRequest } from "./json.ts";
import { buildOpenApi } from "./openapi.ts";
import { createRateLimiter, type RateLimit } from "./rate-limit.ts";
import { createReadCache } from "./read-cache.ts";
import { createRequestMetrics, UNMATCHED_ROUTE } from "./request-metrics.ts";
import { isRateLimited, matchRoute, restRoutes, type RouteMatch } from "./routes.ts";

/**
 * The gateway: CONTRACT §2 REST/JSON routed from the protos' annotations,
 * the Connect protocol (and gRPC, gRPC-Web) for the same RPCs, the API-key
 * check, /health, /metrics (no key, like /health), and the one error model —
 * HTTP/1.1 and h2c on one port.
 */

export interface Upstream {
  service: DescService;
  client: Client<DescService>;
}

export interface GatewayDeps {
  log: Logger;
  apiKeys: readonly string[];
  upstreams: readonly Upstream[];
  healthProbes: Record<string, HealthProbe>;
  upstreamTimeoutMs: number;
  maxBodyBytes: number;
  /** Per-key limit of the trigger endpoints (routes.ts); none when absent. */
  triggerRateLimit?: RateLimit;
  /** How long a REST read's answer is shared (read-cache.ts); 0 or absent: never. */
  readCacheMs?: number;
}

type Req = http.IncomingMessage | http2.Http2ServerRequest;
type Res = http.ServerResponse | http2.Http2ServerResponse;

class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** A JSON answer. */
function send(res: Res, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendBytes(res, status, Buffer.from(JSON.stringify(body)), headers);
}

/** A read asking for an answer fresh from the service (`Cache-Control: no-cache`, RFC 9111 §5.2.1.4). */
function wantsFresh(req: Req): boolean {
  const cc = req.headers["cache-control"];
  return typeof cc === "string" && /(^|,)\s*(no-cache|no-store|max-age=0)\s*(,|$)/i.test(cc);
}

/** An answer already serialized: JSON unless `headers` name another content-type. */
function sendBytes(res: Res, status: number, body: Buffer, headers: Record<string, string> = {}): void {
  (res as http.ServerResponse).writeHead(status, { "content-type": "application/json", "content-length": String(body.length), ...headers });
  res.end(body);
}

function errorBody(code: string, message: string, details?: Record<string, string>) {
  return { success: false, error: details ? { code, message, details } : { code, message } };
}

// ignoreBOM keeps a leading U+FEFF in the text, so it is refused below: RFC 8259 §8.1 forbids
// sending one, and the default decoder would drop it silently.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Reads the body up to `maxBytes` (refused up front when Content-Length says
 * more; a chunked upload is refused when it gets there): then a 413 is thrown
 * and the rest is discarded, never left unread.
 */
const DISCARD_CAP_BYTES = 64 * 1024 * 1024;

/** A client that went away mid-request (reset, aborted upload): nothing to answer, not a gateway bug. */
function isClientAbort(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === "ECONNRESET" || code === "ECONNABORTED" || code === "EPIPE" || (err as Error)?.message === "aborted";
}

/**
 * The rest of a body we refused is read and thrown away, so the client
 * finishes sending and reads our answer (closing with unread data makes the
 * kernel reset the connection and the answer is lost); past a hard cap the
 * connection is dropped.
 */
function discardBody(req: Req): void {
  let discarded = 0;
  req.on("data", (c: Buffer) => {
    discarded += c.length;
    if (discarded > DISCARD_CAP_BYTES) req.destroy();
  });
  req.on("error", () => undefined);
  req.resume();
}

/** HTTP/1.x: a request without Content-Length or Transfer-Encoding has no body (RFC 9112 §6.3). */
function hasNoBody(req: Req): boolean {
  const length = req.headers["content-length"];
  return req.httpVersionMajor === 1 && req.headers["transfer-encoding"] === undefined && (length === undefined || length === "0");
}

function readBody(req: Req, maxBytes: number): Promise<Buffer[]> {
  if (hasNoBody(req)) return Promise.resolve([]); // nothing to wait for
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (declared > maxBytes) {
    discardBody(req);
    return Promise.reject(new HttpError(413, "payload_too_large", `request body exceeds ${maxBytes} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      cleanup();
      discardBody(req);
      reject(new HttpError(413, "payload_too_large", `request body exceeds ${maxBytes} bytes`));
    };
    const onEnd = () => (cleanup(), resolve(chunks));
    const onError = (err: Error) => (cleanup(), reject(err));
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}

async function readJsonBody(req: Req, maxBytes: number): Promise<Record<string, JsonValue>> {
  const chunks = await readBody(req, maxBytes);
  if (chunks.length === 0) return {};
  const type = String(req.headers["content-type"] ?? "");
  if (!/^application\/(.+\+)?json\s*(;|$)/i.test(type)) {
    throw new HttpError(415, "unsupported_media_type", "request body must be JSON (Content-Type: application/json)");
  }
  let text: string;
  try {
    text = utf8.decode(Buffer.concat(chunks));
  } catch {
    throw invalidArgument("body", "request body is not valid UTF-8");
  }
  if (text.charCodeAt(0) === 0xfeff) throw invalidArgument("body", "request body starts with a byte order mark (not allowed in JSON, RFC 8259 §8.1)");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidArgument("body", "request body is not valid JSON");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw invalidArgument("body", "request body must be a JSON object");
  return parsed as Record<string, JsonValue>;
}

function callOptions(timeoutMs: number, signal: AbortSignal) {
  return { timeoutMs, signal };
}

export function createGateway(deps: GatewayDeps) {
  const isValidKey = createKeyChecker(deps.apiKeys);
  const routes = restRoutes(deps.upstreams.map((u) => u.service));
  const clients = new Map(deps.upstreams.map((u) => [u.service.typeName, u.client as unknown as Record<string, (req: unknown, opts: unknown) => unknown>]));
  const limiter = deps.triggerRateLimit ? createRateLimiter(deps.triggerRateLimit) : null;
  const recordRequest = createRequestMetrics();
  // Paths that are their own route label (REST paths are labelled by their template).
  const labelledPaths: ReadonlySet<string> = new Set([
    "/health",
    "/openapi.json",
    "/metrics",
    ...deps.upstreams.flatMap(({ service }) => service.methods.map((m) => `/${service.typeName}/${m.name}`)),
  ]);
  const reads = createReadCache({ ttlMs: deps.readCacheMs ?? 0 });
  const openApi = buildOpenApi(
    deps.upstreams.map((u) => u.service),
    { healthParts: Object.keys(deps.healthProbes), triggersPerMinute: deps.triggerRateLimit?.perMinute },
  );

  /** Counts a trigger against its (already valid) key; past the limit, 429 with Retry-After. */
  function limitTrigger(key: string): void {
    const verdict = limiter?.take(keyDigest(key), Date.now());
    if (!verdict || verdict.allowed) return;
    const seconds = String(verdict.retryAfterSeconds);
    const err = resourceExhausted(`rate limit: too many triggers with this API key; retry in ${seconds} s`, { retry_after: seconds });
    err.metadata.set("retry-after", seconds);
    throw err;
  }

  function sendError(res: Res, err: unknown, path: string): void {
    if (err instanceof HttpError) return send(res, err.status, errorBody(err.code, err.message));
    const ce = err instanceof ConnectError ? err : null;
    if (!ce) {
      deps.log.error({ err, path }, "gateway bug");
      return send(res, 500, errorBody("internal", "internal error"));
    }
    const status = HTTP_STATUS[ce.code] ?? 500;
    // Internal and unknown upstream errors never leak their text.
    const message = status >= 500 && ce.code !== Code.Unavailable && ce.code !== Code.DeadlineExceeded && ce.code !== Code.Unimplemented ? "internal error" : ce.rawMessage;
    if (status >= 500) deps.log.warn({ code: codeName(ce.code), path, upstream: ce.rawMessage }, "upstream error");
    const headers: Record<string, string> = {};
    const details = errorMetadata(ce);
    if (ce.code === Code.ResourceExhausted && details?.retry_after) headers["retry-after"] = details.retry_after;
    send(res, status, errorBody(codeName(ce.code), message, details), headers);
  }

  async function handleRest(req: Req, res: Res, url: URL, match: RouteMatch): Promise<void> {
    if (!isValidKey(req.headers["x-api-key"] as string | undefined)) {
      throw new ConnectError("missing or invalid X-API-Key", Code.Unauthenticated);
    }
    if (!match) throw new ConnectError(`no route for ${url.pathname.slice(0, 200)}`, Code.NotFound);
    if ("allowed" in match) {
      return send(res, 405, errorBody("method_not_allowed", `${req.method} is not allowed here`), { allow: match.allowed.join(", ") });
    }
    const { route, params } = match;
    if (route.rateLimited) limitTrigger(req.headers["x-api-key"] as string);
    const body = route.body === "*" ? await readJsonBody(req, deps.maxBodyBytes) : (await readJsonBody(req, deps.maxBodyBytes), {});
    const message = decodeRequest(route.method.input, body, params, url.searchParams);
    const client = clients.get(route.service.typeName)!;
    const call = client[route.method.localName]!;
    if (req.method === "GET" && !wantsFresh(req)) {
      // Shared by every identical read for a moment (read-cache.ts): not cancelled when one
      // of the clients waiting for it goes away, only by its deadline.
      const answer = await reads.get(url.pathname + url.search, async () => {
        const response = (await call(message, { timeoutMs: deps.upstreamTimeoutMs })) as never;
        return { status: route.successStatus, body: Buffer.from(JSON.stringify(contractJson(route.method.output, response))) };
      });
      return sendBytes(res, answer.status, answer.body);
    }
    if (req.method !== "GET") reads.invalidate();
    const abort = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) abort.abort(); // the client left before its answer
    });
    const response = (await call(message, callOptions(deps.upstreamTimeoutMs, abort.signal))) as never;
    if (req.method !== "GET") reads.invalidate(); // also after: a read that started meanwhile may predate the write
    send(res, route.successStatus, contractJson(route.method.output, response));
  }

  // Connect / gRPC / gRPC-Web for the same RPCs: forwarded as they are.
  const requireKey: Interceptor = (next) => async (req) => {
    const key = req.header.get("x-api-key") ?? undefined;
    if (!isValidKey(key)) throw new ConnectError("missing or invalid X-API-Key", Code.Unauthenticated);
    if (isRateLimited(req.service, req.method)) limitTrigger(key!);
    // Connect calls are not cached; any of them may write, so the REST reads load again.
    reads.invalidate();
    try {
      return await next(req);
    } finally {
      reads.invalidate();
    }
  };
  // As over REST, an internal upstream error never reaches the client with its text.
  function masked(err: unknown, url: string): unknown {
    const ce = ConnectError.from(err);
    if (ce.code !== Code.Internal && ce.code !== Code.Unknown && ce.code !== Code.DataLoss) return err;
    deps.log.warn({ code: codeName(ce.code), path: url, upstream: ce.rawMessage }, "upstream error");
    return new ConnectError("internal error", ce.code);
  }
  async function* maskedStream<T>(messages: AsyncIterable<T>, url: string): AsyncIterable<T> {
    try {
      yield* messages;
    } catch (err) {
      throw masked(err, url);
    }
  }
  const maskInternal: Interceptor = (next) => async (req) => {
    try {
      const res = await next(req);
      return res.stream ? { ...res, message: maskedStream(res.message, req.url) } : res;
    } catch (err) {
      throw masked(err, req.url);
    }
  };
  const connectHandler = connectNodeAdapter({
    interceptors: [maskInternal, requireKey],
    readMaxBytes: deps.maxBodyBytes,
    routes(router: ConnectRouter) {
      for (const { service } of deps.upstreams) {
        const client = clients.get(service.typeName)!;
        const impl: Record<string, unknown> = {};
        for (const m of service.methods as readonly DescMethod[]) {
          const call = client[m.localName]!;
          if (m.methodKind === "unary") {
            impl[m.localName] = (req: unknown, ctx: { signal: AbortSignal }) => call(req, callOptions(deps.upstreamTimeoutMs, ctx.signal));
          } else if (m.methodKind === "server_streaming") {
            impl[m.localName] = (req: unknown, ctx: { signal: AbortSignal; timeoutMs(): number | undefined }) =>
              call(req, { signal: ctx.signal, timeoutMs: ctx.timeoutMs() }) as AsyncIterable<unknown>;
          }
        }
        router.service(service, impl as never);
      }
    },
  });

  // Connect unary calls with a binary body, by path. connect-node answers a body that does not
  // decode as the method's input with `internal` (HTTP 500), as if it were our fault; it is the
  // client's: such a body is refused here first, with `invalid_argument` (400).
  const unaryByPath = new Map<string, DescMethod>();
  for (const { service } of deps.upstreams) {
    for (const m of service.methods) if (m.methodKind === "unary") unaryByPath.set(`/${service.typeName}/${m.name}`, m);
  }

  /**
   * For a Connect unary POST with an `application/proto` body of a declared length (what Connect
   * clients send), reads the body and checks that it decodes; answers 400 and false when it
   * does not, else hands the read body on to the Connect handler and answers true.
   */
  async function admitConnectUnary(req: Req, res: Res, path: string): Promise<boolean> {
    const method = unaryByPath.get(path);
    const type = String(req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    const length = Number(req.headers["content-length"] ?? NaN);
    if (!method || req.method !== "POST" || type !== "application/proto" || req.headers["content-encoding"] || !(length <= deps.maxBodyBytes)) return true;
    const body = Buffer.concat(await readBody(req, deps.maxBodyBytes));
    try {
      fromBinary(method.input, body);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      send(res, 400, { code: "invalid_argument", message: `request body is not a ${method.input.typeName} message: ${reason}`.slice(0, 300) });
      return false;
    }
    // The stream is consumed: the Connect handler reads the same bytes from here.
    Object.defineProperty(req, Symbol.asyncIterator, {
      value: async function* () {
        if (body.length > 0) yield body;
      },
    });
    return true;
  }

  async function handle(req: Req, res: Res): Promise<void> {
    const started = performance.now();
    let route = UNMATCHED_ROUTE;
    // A response never finished (the client went away first) is not recorded.
    res.on("finish", () => recordRequest(req.method, route, res.statusCode, (performance.now() - started) / 1000));
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://gateway");
    } catch {
      // e.g. "GET // HTTP/1.1" or an absolute-form target with a bad host: a client error, never a crash.
      return send(res, 400, errorBody("invalid_argument", "malformed request target"));
    }
    if (labelledPaths.has(url.pathname)) route = url.pathname;
    try {
      if (url.pathname === "/health") {
        if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, errorBody("method_not_allowed", "use GET"), { allow: "GET" });
        const { healthy, body } = await checkHealth(deps.healthProbes);
        return send(res, healthy ? 200 : 503, body);
      }
      if (url.pathname === "/openapi.json") {
        if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, errorBody("method_not_allowed", "use GET"), { allow: "GET" });
        return send(res, 200, openApi, { "cache-control": "no-cache" });
      }
      if (url.pathname === "/metrics") {
        if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, errorBody("method_not_allowed", "use GET"), { allow: "GET" });
        return sendBytes(res, 200, Buffer.from(await registry.metrics()), { "content-type": registry.contentType });
      }
      if (url.pathname === "/api" || url.pathname.startsWith("/api/")) {
        const match = matchRoute(routes, req.method ?? "GET", url.pathname);
        if (match && "route" in match) route = match.route.template;
        return await handleRest(req, res, url, match);
      }
      if (!(await admitConnectUnary(req, res, url.pathname))) return;
      connectHandler(req as never, res as never);
    } catch (err) {
      if (isClientAbort(err)) return void res.destroy();
      if (!res.headersSent) sendError(res, err, url.pathname);
      else res.end();
    }
  }
  const serve = (req: Req, res: Res) =>
    void handle(req, res).catch((err) => {
      deps.log.error({ err }, "gateway bug");
      res.destroy();
    });

  const h1 = http.createServer({ maxHeaderSize: 16 * 1024, requestTimeout: 60_000, headersTimeout: 10_000, keepAliveTimeout: 65_000 }, serve);
  const h2 = http2.createServer({ maxSessionMemory: 64 }, serve);
  h2.on("sessionError", () => undefined);
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  const PREFACE = "PRI * HTTP/2.0";
  // One port for both: a cleartext HTTP/2 client starts with the connection
  // preface (prior knowledge, as gRPC and `curl --http2-prior-knowledge` do);
  // anything else is HTTP/1.1.
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.once("readable", () => {
      const head: Buffer | null = socket.read();
      if (!head) return socket.destroy();
      socket.unshift(head);
      (head.subarray(0, PREFACE.length).toString("latin1") === PREFACE ? h2 : h1).emit("connection", socket);
    });
    socket.on("error", () => undefined);
  });

  return {
    handle,
    routes,
    listen(host: string, port: number): Promise<number> {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => resolve((server.address() as net.AddressInfo).port));
      });
    },
    /** Stops accepting, lets in-flight requests finish (up to graceMs), then closes every connection. */
    async close(graceMs = 5_000): Promise<void> {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      h1.closeIdleConnections();
      for (const session of sessions) session.close();
      const timer = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      timer.unref();
      await closed;
      clearTimeout(timer);
    },
  };
}
