// Shared ground of the bad-input property tests: the whole system as real processes with a
// little data, a checksum of every table of every service, the liveness of every process, the
// contract's error body, and a raw HTTP/1.1 client for requests fetch refuses to send.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { createServiceClient } from "@tickstock/common/clients.ts";
import { freePort } from "../../../scripts/lib/infra.ts";
import { AnalyticsService } from "@tickstock/gen/tickstock/analytics/v1/analytics_pb.js";
import { CacheSyncService } from "@tickstock/gen/tickstock/cachesync/v1/cache_sync_pb.js";
import { ImportService } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { createTestDatabase, type TestDatabase } from "../../support/db.ts";
import { API_KEY, startSystem, type RunningSystem } from "../../support/system.ts";

export { API_KEY };
export type ProcessName = "import" | "cache_sync" | "analytics" | "coordinator" | "gateway";
export const PROCESSES: readonly ProcessName[] = ["import", "cache_sync", "analytics", "coordinator", "gateway"];

/** The backfilled market: a few weeks of synthetic bars, so every read has something to read. */
export const BACKFILL = { from: "2025-01-02", to: "2025-03-31" } as const;
export const SYMBOL_COUNT = 40;

export interface FuzzSystem {
  db: TestDatabase;
  system: RunningSystem;
  /** The pid listening on each process's port, recorded after start. */
  pids: Record<ProcessName, number>;
  /** Some stored tickers, a completed cache-sync job, the date with pattern detections. */
  symbols: string[];
  jobId: string;
  patternDate: string;
  stop(): Promise<void>;
}

/**
 * The system for a fuzz file: a small synthetic market (imports stay cheap when a random request
 * happens to be valid), no schedule (nothing fires by itself between two snapshots), no trigger
 * rate limit (so the triggers' validation, not the limiter, answers), and data in every store:
 * bars, a completed full cache sync, detections of one date.
 */
export async function startFuzzSystem(opts: { analytics?: boolean } = {}): Promise<FuzzSystem> {
  const db = await createTestDatabase();
  const system = await startSystem(db, {
    IMPORT_SYNTHETIC_SYMBOLS: String(SYMBOL_COUNT),
    COORDINATOR_SCHEDULE_ENABLED: "false",
    RATE_LIMIT_TRIGGERS_PER_MINUTE: "0",
    COORDINATOR_PHASE_RETRIES: "0",
  });
  try {
    const importer = createServiceClient(ImportService, system.address("import"), { defaultTimeoutMs: 60_000 });
    for await (const _ of importer.runImport({ fromDate: BACKFILL.from, toDate: BACKFILL.to, provider: "synthetic" })) void _;
    const sync = createServiceClient(CacheSyncService, system.address("cache_sync"), { defaultTimeoutMs: 60_000 });
    let jobId = "";
    for await (const msg of sync.runSyncPhase({ runId: "fuzz-backfill", mode: "full", force: true, runDate: BACKFILL.to })) {
      if (msg.event.case === "result") {
        jobId = msg.event.value.jobId;
        if (msg.event.value.status !== "completed") throw new Error(`backfill sync ended ${msg.event.value.status}: ${msg.event.value.errorDetails}`);
      }
    }
    if (opts.analytics !== false) {
      const analytics = createServiceClient(AnalyticsService, system.address("analytics"), { defaultTimeoutMs: 60_000 });
      for await (const _ of analytics.runPatterns({ runId: "fuzz-backfill", runDate: BACKFILL.to })) void _;
    }
    const { rows } = await db.query<{ symbol: string }>("SELECT DISTINCT symbol FROM public.ohlcv_daily ORDER BY symbol LIMIT 10");
    const pids = Object.fromEntries(PROCESSES.map((p) => [p, pidOnPort(system.ports[p])])) as Record<ProcessName, number>;
    return {
      db,
      system,
      pids,
      symbols: rows.map((r) => r.symbol),
      jobId,
      patternDate: BACKFILL.to,
      async stop() {
        await system.stop();
        await db.drop();
      },
    };
  } catch (err) {
    await system.stop();
    await db.drop();
    throw err;
  }
}

/** The pid of the process listening on a local TCP port (ss -ltnp). */
export function pidOnPort(port: number): number {
  const out = execFileSync("ss", ["-ltnpH", `sport = :${port}`], { encoding: "utf8" });
  const m = /pid=(\d+)/.exec(out);
  if (!m) throw new Error(`no process listens on port ${port}: ${out}`);
  return Number(m[1]);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * No process crashed or was replaced: each pid recorded at start is alive and still the one
 * listening on its port, and /health answers 200 with every part serving.
 */
export async function assertAllAlive(fz: FuzzSystem): Promise<void> {
  const problems: string[] = [];
  for (const p of PROCESSES) {
    const pid = fz.pids[p];
    if (!isAlive(pid)) problems.push(`${p} (pid ${pid}) is gone; last log lines:\n${tail(fz.system.logFile(p), 10)}`);
    else if (pidOnPort(fz.system.ports[p]) !== pid) problems.push(`${p}: another process listens on its port`);
  }
  if (problems.length === 0) {
    const res = await fetch(`${fz.system.gatewayUrl}/health`);
    const body = await res.text();
    if (res.status !== 200) problems.push(`/health answered ${res.status}: ${body}`);
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
}

function tail(file: string, n: number): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-n).join("\n");
  } catch {
    return "(no log)";
  }
}

/**
 * Wraps a property's predicate so the input that kills a process is the counterexample: after
 * a death every later input (and every shrink) passes untested, instead of failing for the
 * dead process and shrinking the report toward an innocent input.
 */
export function deathWatch(fz: FuzzSystem): (what: () => string, fn: () => Promise<void>) => Promise<void> {
  let dead = false;
  return async (what, fn) => {
    if (dead) return;
    let failure: unknown;
    try {
      await fn();
    } catch (err) {
      failure = err;
    }
    await new Promise((ok) => setTimeout(ok, failure ? 200 : 0)); // a crash takes a moment to exit
    const gone = PROCESSES.filter((p) => !isAlive(fz.pids[p]));
    if (gone.length > 0) {
      dead = true;
      throw new Error(`${gone.join(", ")} died on this request: ${what()}\nlast log lines:\n${gone.map((p) => tail(fz.system.logFile(p), 14)).join("\n")}`);
    }
    if (failure) throw failure;
  };
}

/**
 * Starts the gateway again when it died (for the properties after a crash), on a fresh port:
 * its old port may already belong to another test file's process, and a process that started
 * there would answer for it. Services are not restarted (their peers hold their addresses).
 * RunningSystem.start reads the port from the same `ports` object it returns, so the new port
 * is set there, and gatewayUrl with it.
 */
export async function reviveGateway(fz: FuzzSystem): Promise<boolean> {
  if (isAlive(fz.pids.gateway)) return false;
  fz.system.ports.gateway = await freePort();
  fz.system.gatewayUrl = `http://127.0.0.1:${fz.system.ports.gateway}`;
  await fz.system.start("gateway");
  fz.pids.gateway = pidOnPort(fz.system.ports.gateway);
  return true;
}

/** Log lines that only a bug writes: an unhandled error in a handler, a gateway bug, an upstream 5xx. */
const BUG_LINES = /unhandled error in handler|gateway bug|upstream error|uncaught|unhandledRejection|execution crashed/i;

export function bugLogLines(fz: FuzzSystem): string[] {
  const lines: string[] = [];
  for (const p of PROCESSES) {
    let text = "";
    try {
      text = readFileSync(fz.system.logFile(p), "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n")) if (BUG_LINES.test(line)) lines.push(`${p}: ${line.slice(0, 2000)}`);
  }
  return lines;
}

export type Snapshot = Record<string, { rows: number; md5: string }>;

/** Row count and checksum of every table of every schema (services' private tables and the contract's). */
export async function snapshotTables(db: TestDatabase): Promise<Snapshot> {
  const { rows: tables } = await db.query<{ schema: string; name: string }>(
    `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
      WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
      ORDER BY 1, 2`,
  );
  const snap: Snapshot = {};
  for (const t of tables) {
    const q = `"${t.schema.replaceAll('"', '""')}"."${t.name.replaceAll('"', '""')}"`;
    const { rows } = await db.query<{ rows: number; md5: string }>(
      `SELECT count(*)::int AS rows, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS md5 FROM ${q} t`,
    );
    snap[`${t.schema}.${t.name}`] = rows[0]!;
  }
  return snap;
}

/** The tables whose rows differ between two snapshots, described. */
export function snapshotDiff(before: Snapshot, after: Snapshot): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names]
    .filter((n) => before[n]?.rows !== after[n]?.rows || before[n]?.md5 !== after[n]?.md5)
    .map((n) => `${n}: ${JSON.stringify(before[n])} -> ${JSON.stringify(after[n])}`);
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What a request was, for the failure message of a property. */
export function describeRequest(r: { method: string; path: string; headers?: Record<string, string>; body?: string | Uint8Array }): string {
  const body = r.body === undefined ? "" : typeof r.body === "string" ? r.body : `<${r.body.length} bytes: ${Buffer.from(r.body.subarray(0, 80)).toString("hex")}>`;
  return `${r.method} ${r.path.slice(0, 300)} headers=${JSON.stringify(r.headers ?? {}).slice(0, 300)} body=${body.slice(0, 300)}${body.length > 300 ? `…(${body.length})` : ""}`;
}

/**
 * The contract's rule for every answer: never a 5xx, and an error body
 * `{"success": false, "error": {"code", "message", "details"?}}` whenever the status is ≥ 400.
 * Node's own HTTP parser answers some malformed requests itself (400, 431; the gateway never
 * sees them) with no body and `Connection: close`: allowed only when `parserMayAnswer`.
 */
export function checkAnswer(res: HttpAnswer, what: string, opts: { parserMayAnswer?: boolean; expect4xx?: boolean } = {}): void {
  const fail = (why: string) => {
    throw new Error(`${why}\n  request: ${what}\n  answer: ${res.status} ${JSON.stringify(res.headers).slice(0, 300)} ${res.body.slice(0, 500)}`);
  };
  if (res.status >= 500) fail("5xx answer");
  if (opts.expect4xx && (res.status < 400 || res.status >= 500)) fail("expected a 4xx for an invalid request");
  if (res.status < 400) return;
  if (opts.parserMayAnswer && res.body === "" && [400, 413, 417, 431].includes(res.status)) return;
  if (res.status === 431 && res.body === "") return; // Node's parser: request line + headers over maxHeaderSize (16 KiB)
  if (!(res.headers["content-type"] ?? "").startsWith("application/json")) fail("error answer is not JSON");
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    fail("error body does not parse as JSON");
  }
  const b = body as { success?: unknown; error?: { code?: unknown; message?: unknown; details?: unknown } };
  if (b === null || typeof b !== "object" || Array.isArray(b)) fail("error body is not an object");
  const keys = Object.keys(b).sort().join(",");
  if (keys !== "error,success" || b.success !== false) fail("error body is not {success: false, error}");
  const e = b.error!;
  if (typeof e !== "object" || e === null) fail("error is not an object");
  const ekeys = Object.keys(e).filter((k) => k !== "details").sort().join(",");
  if (ekeys !== "code,message") fail("error keys are not code, message (and details)");
  if (typeof e.code !== "string" || !/^[a-z_]+$/.test(e.code)) fail("error.code is not a snake_case code");
  if (typeof e.message !== "string") fail("error.message is not a string");
  if (e.details !== undefined && (typeof e.details !== "object" || e.details === null || Array.isArray(e.details))) fail("error.details is not an object");
  if (/\bat .+:\d+:\d+|node:internal|\.ts:\d+/.test(res.body)) fail("stack trace in the answer");
}

/** A request through fetch (undici), answer read whole. */
export async function httpFetch(base: string, r: { method: string; path: string; headers?: Record<string, string>; body?: string | Uint8Array }): Promise<HttpAnswer> {
  const res = await fetch(`${base}${r.path}`, { method: r.method, headers: r.headers, body: r.body as RequestInit["body"], redirect: "manual" });
  const body = await res.text();
  return { status: res.status, headers: Object.fromEntries(res.headers), body };
}

/**
 * One raw HTTP/1.1 exchange on a fresh connection: the bytes are sent as given, so malformed
 * request lines, duplicate or oversized headers and raw bytes in the path reach the server
 * unchanged. Resolves as soon as a whole answer (headers and Content-Length bytes) has arrived,
 * or with what arrived when the server closed.
 *
 * Callers leave `Connection: close` out where the server answers before reading the whole body
 * (413): Node then closes a `close` connection with unread bytes, the kernel sends a RST, and a
 * RST discards the answer still unread at the client (RFC 793) — the answer is lost in transit.
 * On a keep-alive connection Node reads and drops the rest of the body, and the answer arrives.
 */
export function rawHttp(port: number, head: string | Buffer, body: Buffer = Buffer.alloc(0), timeoutMs = 15_000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (answer: HttpAnswer | null, why: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (answer) resolve(answer);
      else reject(new Error(why));
    };
    const timer = setTimeout(() => finish(parseHttpAnswer(Buffer.concat(chunks), true), `no answer within ${timeoutMs} ms`), timeoutMs);
    sock.on("data", (c: Buffer) => {
      chunks.push(c);
      const answer = parseHttpAnswer(Buffer.concat(chunks), false);
      if (answer) finish(answer, "");
    });
    sock.on("error", () => undefined); // EPIPE/ECONNRESET after an early answer: parse what came
    sock.on("close", () => finish(parseHttpAnswer(Buffer.concat(chunks), true), `connection closed without an HTTP answer (${chunks.length} chunks)`));
    // The body goes in pieces, and stops as soon as an answer arrives.
    sock.on("connect", async () => {
      sock.write(head);
      for (let i = 0; i < body.length && chunks.length === 0 && !sock.destroyed; i += 64 * 1024) {
        if (!sock.write(body.subarray(i, i + 64 * 1024))) await new Promise((ok) => { sock.once("drain", ok); sock.once("close", ok); });
      }
    });
  });
}

/**
 * The answer in `raw` (interim 1xx answers skipped, a chunked body decoded); without `closed`,
 * only once it is complete.
 */
function parseHttpAnswer(raw: Buffer, closed: boolean): HttpAnswer | null {
  const end = raw.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const lines = raw.subarray(0, end).toString("latin1").split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "");
  if (!m) return null;
  const status = Number(m[1]);
  if (status >= 100 && status < 200) return parseHttpAnswer(raw.subarray(end + 4), closed);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = raw.subarray(end + 4);
  if (/chunked/i.test(headers["transfer-encoding"] ?? "")) {
    const decoded = decodeChunked(body);
    if (!decoded && !closed) return null;
    return { status, headers, body: (decoded ?? body).toString("utf8") };
  }
  const length = headers["content-length"] === undefined ? undefined : Number(headers["content-length"]);
  if (!closed && (length === undefined || body.length < length)) return null;
  if (length !== undefined) body = body.subarray(0, length);
  return { status, headers, body: body.toString("utf8") };
}

/** A whole chunked body, or null while the last chunk has not arrived. */
function decodeChunked(raw: Buffer): Buffer | null {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = raw.indexOf("\r\n", at);
    if (eol < 0) return null;
    const size = parseInt(raw.subarray(at, eol).toString("latin1"), 16);
    if (!Number.isFinite(size)) return null;
    if (size === 0) return Buffer.concat(parts);
    if (raw.length < eol + 2 + size + 2) return null;
    parts.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}
