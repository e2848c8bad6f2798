// Every gRPC method of every service, called directly (issue 7), with random requests built from
// each method's input descriptor: strings (hostile, unicode, control characters, 100k long, and
// values that look right for the field's name, so some requests are valid), int32 at its
// bounds, bools, optional fields set or not, repeated fields with up to 25,000 elements. The
// whole system runs as real processes. Property: the call succeeds or fails with a code that
// names the caller's mistake or the state (INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, ABORTED,
// FAILED_PRECONDITION, OUT_OF_RANGE, RESOURCE_EXHAUSTED) — never INTERNAL, UNKNOWN, DATA_LOSS,
// UNAVAILABLE or UNIMPLEMENTED — and no process dies. Streaming calls are cancelled after their
// first message (valid random runs stay small: dates near the backfill, 40 symbols).
import * as grpc from "@grpc/grpc-js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create, ScalarType, type DescField, type DescMessage, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { createServiceClient } from "@tickstock/common/clients.ts";
import { AnalyticsService } from "@tickstock/gen/tickstock/analytics/v1/analytics_pb.js";
import { CacheSyncService } from "@tickstock/gen/tickstock/cachesync/v1/cache_sync_pb.js";
import { CoordinatorService } from "@tickstock/gen/tickstock/coordinator/v1/coordinator_pb.js";
import { ImportService } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { dateIn, edgeDate, hostileString, INVALID_UTF8, notADate } from "./arbitraries.ts";
import { assertAllAlive, BACKFILL, bugLogLines, deathWatch, startFuzzSystem, type FuzzSystem, type ProcessName } from "./support.ts";

const RUNS = Number(process.env.FUZZ_RUNS ?? 1);
const SERVICES: { service: DescService; process: ProcessName }[] = [
  { service: ImportService, process: "import" },
  { service: CacheSyncService, process: "cache_sync" },
  { service: AnalyticsService, process: "analytics" },
  { service: CoordinatorService, process: "coordinator" },
];
/** Codes that mean the server failed, not the caller. */
const SERVER_FAULT = new Set([Code.Internal, Code.Unknown, Code.DataLoss, Code.Unavailable, Code.Unimplemented]);
const METHODS = SERVICES.flatMap(({ service, process }) => service.methods.map((method) => ({ service, process, method })));
const STREAM_DEADLINE_MS = 5_000;
const UNARY_DEADLINE_MS = 20_000;

let fz: FuzzSystem;
/** Outcomes per method (FUZZ_STATS=1 prints them): how many random requests were valid. */
const tally = new Map<string, Map<string, number>>();

beforeAll(async () => {
  fz = await startFuzzSystem();
}, 120_000);

afterAll(async () => {
  if (process.env.FUZZ_STATS) for (const [m, codes] of tally) console.log(m, Object.fromEntries(codes));
  await fz?.stop();
});

// --- requests from descriptors --------------------------------------------------------

const int32 = fc.oneof(
  fc.constantFrom(0, 1, -1, 2, 10, 99, 100, 101, 365, 366, 999, 1000, 1001, 4999, 5000, 5001, 9999, 10_000, 10_001, 2 ** 31 - 1, -(2 ** 31)),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
);

/** Values that look right for a field of this name, mixed with hostile ones and the empty string. */
function stringFor(field: DescField, symbols: readonly string[], jobId: string): fc.Arbitrary<string> {
  const name = field.name;
  const pick = (...good: string[]) => fc.oneof({ arbitrary: fc.constantFrom(...good), weight: 3 }, { arbitrary: hostileString, weight: 2 }, { arbitrary: fc.constant(""), weight: 1 });
  if (/date|^from$|^to$|on_or_before/.test(name)) {
    return fc.oneof(
      { arbitrary: dateIn("2025-03-24", BACKFILL.to), weight: 4 }, // valid and small: the last week of the backfill
      { arbitrary: edgeDate, weight: 2 },
      { arbitrary: notADate, weight: 2 },
      { arbitrary: dateIn("2026-11-01", "2027-12-31"), weight: 1 }, // around today, and the future
      { arbitrary: fc.constant(""), weight: 1 },
    );
  }
  if (name === "job_id") return fc.oneof(fc.constant(jobId), fc.constant(jobId.toUpperCase()), fc.uuid(), hostileString, fc.constant(""));
  if (name === "run_id") return fc.oneof(fc.uuid(), fc.constant("fuzz-run"), hostileString, fc.constant(""));
  if (/symbol/.test(name)) return pick(...symbols, ...symbols.map((s) => s.toLowerCase()), "ZZZZ", "BRK.B", "A-B");
  if (name === "provider") return pick("synthetic", "massive", "csv");
  if (name === "mode") return pick("full", "market_cap", "themes", "ipos");
  if (/universe/.test(name)) return pick("sp500", "nasdaq100", "all", "mega_cap", "top_100", "ai_ml_leaders", "no_such_universe");
  if (name === "index") return pick("all", "sp500", "nasdaq100");
  if (name === "phases") return pick("all", "import", "cache_sync", "indicators", "patterns");
  if (name === "trigger_time") return pick("16:10", "00:00", "23:59", "24:00", "7:05");
  if (name === "timezone") return pick("America/New_York", "UTC", "Europe/London", "Mars/Olympus");
  if (name === "pattern") return pick("engulfing", "golden_cross", "doji", "hammer", "volume_spike");
  if (name === "direction") return pick("bullish", "bearish", "neutral");
  return hostileString;
}

function scalarFor(field: DescField & { fieldKind: "scalar" | "list" }, symbols: readonly string[], jobId: string): fc.Arbitrary<unknown> {
  const scalar = field.fieldKind === "scalar" ? field.scalar : field.scalar!;
  switch (scalar) {
    case ScalarType.STRING:
      return stringFor(field, symbols, jobId);
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return int32;
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return fc.double();
    default:
      throw new Error(`no generator for scalar ${ScalarType[scalar]} (${field.name}): add one`);
  }
}

/** An arbitrary request of `schema`, walked field by field. */
function messageOf(schema: DescMessage, symbols: readonly string[], jobId: string): fc.Arbitrary<Record<string, unknown>> {
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  const optional: string[] = [];
  for (const field of schema.fields) {
    if (field.fieldKind === "scalar") {
      fields[field.localName] = scalarFor(field, symbols, jobId);
      if (field.presence !== 2 /* IMPLICIT */) optional.push(field.localName);
      else fields[field.localName] = fc.option(fields[field.localName]!, { nil: undefined, freq: 4 });
    } else if (field.fieldKind === "list" && field.listKind === "scalar") {
      const item = scalarFor(field, symbols, jobId);
      const manyValid = /symbol/.test(field.name)
        ? fc.integer({ min: 19_990, max: 25_000 }).map((n) => Array.from({ length: n }, (_, i) => `Z${i.toString(36).toUpperCase()}`))
        : fc.integer({ min: 1000, max: 25_000 }).map((n) => Array.from({ length: n }, () => "all"));
      fields[field.localName] = fc.oneof({ arbitrary: fc.array(item, { maxLength: 6 }), weight: 6 }, { arbitrary: fc.array(item, { minLength: 50, maxLength: 300 }), weight: 1 }, { arbitrary: manyValid, weight: 1 });
    } else if (field.fieldKind === "message") {
      fields[field.localName] = fc.option(messageOf(field.message, symbols, jobId), { nil: undefined });
    } else {
      throw new Error(`no generator for ${field.fieldKind} field ${field.name}: add one`);
    }
  }
  return fc.record(fields, { requiredKeys: Object.keys(fields).filter((k) => !optional.includes(k)) }).map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)));
}

/** A short description of a request (strings and lists cut), for failure messages. */
function show(req: Record<string, unknown>): string {
  return JSON.stringify(req, (_, v: unknown) => (typeof v === "string" && v.length > 60 ? `${v.slice(0, 60)}…(${v.length})` : Array.isArray(v) && v.length > 8 ? [...v.slice(0, 8), `…(${v.length} items)`] : v));
}

/** Calls the method; the ConnectError it failed with, or null on success. */
async function call(client: Client<DescService>, method: DescMethod, req: Record<string, unknown>): Promise<ConnectError | null> {
  const fn = (client as unknown as Record<string, (r: unknown, o: unknown) => unknown>)[method.localName]!;
  const message = create(method.input, req as never);
  try {
    if (method.methodKind === "unary") {
      await fn(message, { timeoutMs: UNARY_DEADLINE_MS });
    } else {
      const abort = new AbortController();
      for await (const _ of fn(message, { timeoutMs: STREAM_DEADLINE_MS, signal: abort.signal }) as AsyncIterable<unknown>) {
        void _;
        abort.abort(); // one message is enough: a valid random request must not start long work
        break;
      }
    }
    return null;
  } catch (err) {
    const ce = ConnectError.from(err);
    // Ours: the cancel after the first message, the streaming deadline while work goes on.
    if (method.methodKind !== "unary" && (ce.code === Code.Canceled || ce.code === Code.DeadlineExceeded)) return null;
    return ce;
  }
}

const RUNS_PER_METHOD: Record<string, number> = {
  RunImport: 60,
  RunSyncPhase: 40,
  RunIndicators: 40,
  RunPatterns: 40,
  TriggerRun: 60,
  TriggerSync: 60,
  ListBars: 60,
  ListSymbols: 60,
};

describe("random requests from each method's descriptor: never a server-fault code, never a crash", () => {
  for (const { service, process } of SERVICES) {
    describe(service.typeName, () => {
      for (const method of service.methods) {
        it(`${method.name}`, async () => {
          const client = createServiceClient(service, fz.system.address(process)) as Client<DescService>;
          const watch = deathWatch(fz);
          const request = messageOf(method.input, fz.symbols, fz.jobId);
          await fc.assert(
            fc.asyncProperty(request, async (req) =>
              watch(
                () => `${service.name}.${method.name} ${show(req)}`,
                async () => {
                  const err = await call(client, method, req);
                  const codes = tally.get(`${service.name}.${method.name}`) ?? new Map<string, number>();
                  const outcome = err ? Code[err.code] : "OK";
                  codes.set(outcome, (codes.get(outcome) ?? 0) + 1);
                  tally.set(`${service.name}.${method.name}`, codes);
                  if (err && (SERVER_FAULT.has(err.code) || (method.methodKind === "unary" && err.code === Code.DeadlineExceeded))) {
                    throw new Error(`${service.name}.${method.name} answered ${Code[err.code]} "${err.rawMessage.slice(0, 200)}" to ${show(req)}`);
                  }
                },
              ),
            ),
            { numRuns: (RUNS_PER_METHOD[method.name] ?? 100) * RUNS },
          );
          await assertAllAlive(fz);
        });
      }
    });
  }

  it("a NUL character (which PostgreSQL text cannot hold) in any string field of any method", async () => {
    const cases = METHODS.flatMap((m) =>
      m.method.input.fields
        .filter((f) => (f.fieldKind === "scalar" || (f.fieldKind === "list" && f.listKind === "scalar")) && f.scalar === ScalarType.STRING)
        .map((field) => ({ ...m, field })),
    );
    const watch = deathWatch(fz);
    const request = fc.constantFrom(...cases).chain((c) =>
      fc.tuple(fc.constant(c), messageOf(c.method.input, fz.symbols, fz.jobId), stringFor(c.field, fz.symbols, fz.jobId), fc.constantFrom("\u0000", "\u0000x", "x\u0000", "x\u0000\u0000y")),
    );
    await fc.assert(
      fc.asyncProperty(request, async ([c, req, good, nul]) => {
        // The field looks right but for the NUL, wherever it goes.
        const value = nul.startsWith("x") ? nul.replace("x", good) : `${good}${nul}`;
        req[c.field.localName] = c.field.fieldKind === "list" ? [value] : value;
        const client = createServiceClient(c.service, fz.system.address(c.process)) as Client<DescService>;
        await watch(
          () => `${c.service.name}.${c.method.name} ${show(req)}`,
          async () => {
            const err = await call(client, c.method, req);
            if (err && (SERVER_FAULT.has(err.code) || err.code === Code.DeadlineExceeded)) {
              throw new Error(`${c.service.name}.${c.method.name} answered ${Code[err.code]} "${err.rawMessage.slice(0, 200)}" to ${show(req)} (NUL in ${c.field.name})`);
            }
          },
        );
      }),
      { numRuns: 150 * RUNS },
    );
    await assertAllAlive(fz);
  });

  it("no bug was logged by any process", async () => {
    await assertAllAlive(fz);
    expect(bugLogLines(fz)).toEqual([]);
  });
});

// --- below the message: bytes that are not the request -------------------------------------

/** A raw gRPC call with the request's bytes as given; the status code it ended with. */
function rawCall(address: string, path: string, streaming: boolean, bytes: Buffer): Promise<grpc.status> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const identity = (b: Buffer) => b;
  const deadline = Date.now() + 5_000;
  return new Promise<grpc.status>((resolve) => {
    const done = (code: grpc.status) => {
      client.close();
      resolve(code);
    };
    if (!streaming) {
      client.makeUnaryRequest(path, identity, identity, bytes, new grpc.Metadata(), { deadline }, (err) => done(err ? err.code : grpc.status.OK));
    } else {
      const call = client.makeServerStreamRequest(path, identity, identity, bytes, new grpc.Metadata(), { deadline });
      call.on("data", () => call.cancel());
      call.on("error", (err: grpc.ServiceError) => done(err.code === grpc.status.CANCELLED || err.code === grpc.status.DEADLINE_EXCEEDED ? grpc.status.OK : err.code));
      call.on("end", () => done(grpc.status.OK));
    }
  });
}

/** The wire bytes of a length-delimited field: a string field with invalid UTF-8 in it. */
function stringFieldBytes(fieldNo: number, value: Buffer): Buffer {
  const varint = (n: number) => {
    const out: number[] = [];
    while (n > 127) {
      out.push((n & 127) | 128);
      n >>>= 7;
    }
    out.push(n);
    return Buffer.from(out);
  };
  return Buffer.concat([varint((fieldNo << 3) | 2), varint(value.length), value]);
}


describe("request bytes that do not decode as the message", () => {
  it("a request whose bytes do not decode (invalid UTF-8 in a string field) is INVALID_ARGUMENT, not INTERNAL (regression)", async () => {
    // cache-sync GetJob with job_id = bytes ff fe: protobuf-es fromBinary throws on invalid
    // UTF-8, common/serve.ts passes it to grpc-js as requestDeserialize, and grpc-js answers
    // INTERNAL "Error deserializing request" before any handler runs.
    const code = await rawCall(fz.system.address("cache_sync"), "/tickstock.cachesync.v1.CacheSyncService/GetJob", false, stringFieldBytes(1, Buffer.from([0xff, 0xfe])));
    expect(grpc.status[code]).toBe("INVALID_ARGUMENT");
  });

  it("every method: random bytes, truncated fields, invalid UTF-8 in a string field: never INTERNAL/UNKNOWN, never a crash", async () => {
    const watch = deathWatch(fz);
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
      fc.tuple(fc.integer({ min: 1, max: 6 }), fc.constantFrom(...INVALID_UTF8), fc.string({ maxLength: 10 })).map(([no, bad, s]) => stringFieldBytes(no, Buffer.concat([Buffer.from(s), Buffer.from(bad)]))),
      fc.constantFrom(Buffer.from([0x0a, 0x05, 0x41]), Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), Buffer.from([0x0f]), Buffer.from([0x08, 0x96])),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS), bytes, async (m, b) =>
        watch(
          () => `${m.service.name}.${m.method.name} bytes ${b.toString("hex").slice(0, 120)}`,
          async () => {
            const code = await rawCall(fz.system.address(m.process), `/${m.service.typeName}/${m.method.name}`, m.method.methodKind !== "unary", b);
            if ([grpc.status.INTERNAL, grpc.status.UNKNOWN, grpc.status.DATA_LOSS, grpc.status.UNAVAILABLE].includes(code)) {
              throw new Error(`${m.service.name}.${m.method.name} answered ${grpc.status[code]} to bytes ${b.toString("hex").slice(0, 120)}`);
            }
          },
        ),
      ),
      { numRuns: 150 * RUNS },
    );
    await assertAllAlive(fz);
  });

  it("every process still runs", async () => {
    await assertAllAlive(fz);
  });
});
