// createGrpcClient (the gateway's upstream client) against a real grpc-js server built the way the
// services build theirs: what a caller sees must be what a Connect client would have given it —
// messages, codes, messages of errors, google.rpc details — and deadlines, cancellation, early
// ends of streams and a restarted server must behave.
import { execFile } from "node:child_process";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invalidArgument, errorMetadata, resourceExhausted } from "@tickstock/common/errors.ts";
import { createGrpcClient } from "@tickstock/common/grpc-client.ts";
import { createLogger } from "@tickstock/common/log.ts";
import { createGrpcServer, register, type GrpcServer } from "@tickstock/common/serve.ts";
import { Health, HealthCheckResponse_ServingStatus } from "@tickstock/gen/grpc/health/v1/health_pb.js";
import { DescribeBarsResponseSchema, ImportService, ListSymbolsResponseSchema, type ListSymbolsRequest } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { freePort } from "../../../scripts/lib/infra.ts";

const log = createLogger({ service: "grpc-client-test", level: "fatal", destination: new Writable({ write: (_c, _e, done) => done() }) as never });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the handlers saw: the cancellations of calls, by the request's `on_or_before`. */
const cancelled = new Set<string>();
let streamedBatches = 0;

function startServer(port: number): Promise<GrpcServer> {
  const server = createGrpcServer({
    log,
    observe: () => undefined,
    services: [
      register(ImportService, {
        async describeBars(req, ctx: HandlerContext) {
          ctx.signal.addEventListener("abort", () => cancelled.add(req.onOrBefore));
          switch (req.onOrBefore) {
            case "bad":
              throw invalidArgument("on_or_before", "on_or_before: expected YYYY-MM-DD");
            case "busy":
              throw resourceExhausted("too many", { retry_after: "7" });
            case "bug":
              throw new Error("a bug with a secret in its text");
            case "slow":
            case "cancel-me":
              await sleep(2_000);
              break;
            case "big":
              return create(DescribeBarsResponseSchema, { latestDate: "x".repeat(10_000) });
          }
          return create(DescribeBarsResponseSchema, { latestDate: "2026-11-24", totalBars: 2_520_000, barsVersion: 42n, totalSymbols: req.onOrBefore.length });
        },
        async *listSymbols(req: ListSymbolsRequest, ctx: HandlerContext) {
          ctx.signal.addEventListener("abort", () => cancelled.add(`stream:${req.index}`));
          for (let i = 0; i < req.batchSize; i++) {
            if (req.index === "fail" && i === 2) throw invalidArgument("index", "no such index after two batches");
            streamedBatches++;
            yield create(ListSymbolsResponseSchema, { symbol: [`S${i}`] });
            if (req.index === "slow") await sleep(50);
          }
        },
      }),
    ],
  });
  return server.listen("127.0.0.1", port).then(() => server);
}

let port: number;
let server: GrpcServer;
const client = () => createGrpcClient(ImportService, `127.0.0.1:${port}`);
let c: ReturnType<typeof client>;

beforeAll(async () => {
  port = await freePort();
  server = await startServer(port);
  c = client();
});

afterAll(async () => {
  c.close();
  await server.shutdown(100);
});

async function failure(p: Promise<unknown>): Promise<ConnectError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectError);
    return err as ConnectError;
  }
  throw new Error("expected the call to fail");
}

describe("unary calls", () => {
  it("send the request and decode the answer, from a message init or a message", async () => {
    const res = await c.describeBars({ onOrBefore: "2026-11-24" });
    expect(res.$typeName).toBe("tickstock.import.v1.DescribeBarsResponse");
    expect(res).toMatchObject({ latestDate: "2026-11-24", totalBars: 2_520_000, barsVersion: 42n, totalSymbols: 10 });
  });

  it("fail with the server's code, message and google.rpc details", async () => {
    const bad = await failure(c.describeBars({ onOrBefore: "bad" }));
    expect(bad.code).toBe(Code.InvalidArgument);
    expect(bad.rawMessage).toBe("on_or_before: expected YYYY-MM-DD");
    expect(errorMetadata(bad)).toEqual({ field: "on_or_before" });
    const busy = await failure(c.describeBars({ onOrBefore: "busy" }));
    expect(busy.code).toBe(Code.ResourceExhausted);
    expect(errorMetadata(busy)).toEqual({ retry_after: "7" });
    const bug = await failure(c.describeBars({ onOrBefore: "bug" }));
    expect(bug.code).toBe(Code.Internal);
    expect(bug.rawMessage).toBe("internal error");
  });

  it("end at their deadline with DeadlineExceeded, and the server sees the call cancelled", async () => {
    const t0 = performance.now();
    const err = await failure(c.describeBars({ onOrBefore: "slow" }, { timeoutMs: 150 }));
    expect(err.code).toBe(Code.DeadlineExceeded);
    expect(err.rawMessage).toBe("deadline exceeded");
    expect(performance.now() - t0).toBeLessThan(1_000);
    await expect.poll(() => cancelled.has("slow")).toBe(true);
  });

  it("end when their signal aborts, with Canceled, and the server sees the cancellation", async () => {
    const abort = new AbortController();
    const call = c.describeBars({ onOrBefore: "cancel-me" }, { signal: abort.signal });
    setTimeout(() => abort.abort(), 100);
    expect((await failure(call)).code).toBe(Code.Canceled);
    await expect.poll(() => cancelled.has("cancel-me")).toBe(true);
    const already = new AbortController();
    already.abort();
    expect((await failure(c.describeBars({}, { signal: already.signal }))).code).toBe(Code.Canceled);
  });

  it("to an address where nothing listens fail Unavailable, without naming the address", async () => {
    const nowhere = createGrpcClient(ImportService, `127.0.0.1:${await freePort()}`);
    try {
      const err = await failure(nowhere.describeBars({}, { timeoutMs: 2_000 }));
      expect(err.code).toBe(Code.Unavailable);
      expect(err.rawMessage).toBe("upstream unavailable");
    } finally {
      nowhere.close();
    }
  });

  it("fail Unavailable when the server dies during the call", async () => {
    const p = await freePort();
    const doomed = await startServer(p);
    const c2 = createGrpcClient(ImportService, `127.0.0.1:${p}`);
    try {
      const call = c2.describeBars({ onOrBefore: "slow" }, { timeoutMs: 5_000 });
      await sleep(200);
      doomed.server.forceShutdown();
      const err = await failure(call);
      expect(err.code).toBe(Code.Unavailable);
      expect(err.rawMessage).toBe("upstream unavailable");
    } finally {
      c2.close();
    }
  });

  it("refuse an answer over the message size limit with ResourceExhausted", async () => {
    const small = createGrpcClient(ImportService, `127.0.0.1:${port}`, { maxMessageBytes: 1_000 });
    try {
      expect((await small.describeBars({})).latestDate).toBe("2026-11-24");
      expect((await failure(small.describeBars({ onOrBefore: "big" }))).code).toBe(Code.ResourceExhausted);
    } finally {
      small.close();
    }
  });

  it("map an HTTP status from something that is not a gRPC server to a code", async () => {
    const h2 = http2.createServer((_req, res) => {
      res.writeHead(_req.url?.endsWith("DescribeBars") ? 503 : 404);
      res.end("no");
    });
    await new Promise<void>((r) => h2.listen(0, "127.0.0.1", r));
    const other = createGrpcClient(ImportService, `127.0.0.1:${(h2.address() as AddressInfo).port}`);
    try {
      expect((await failure(other.describeBars({}))).code).toBe(Code.Unavailable);
    } finally {
      other.close();
      await new Promise((r) => h2.close(r));
    }
  });

  it("keep a process that waits for nothing else alive until the answer comes (regression)", async () => {
    // The session was unref'd: a CLI-like process exited mid-call ("unsettled top-level await").
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", fileURLToPath(new URL("fixtures/unary-call.ts", import.meta.url)), `127.0.0.1:${port}`, "slow"], { timeout: 20_000 });
    expect(stdout).toBe("2026-11-24");
  });

  it("reach a restarted server again within about a second", async () => {
    const p = await freePort();
    let restarted = await startServer(p);
    const again = createGrpcClient(ImportService, `127.0.0.1:${p}`);
    try {
      expect((await again.describeBars({})).latestDate).toBe("2026-11-24");
      await restarted.shutdown(0);
      expect((await failure(again.describeBars({}, { timeoutMs: 1_000 }))).code).toBe(Code.Unavailable);
      await sleep(3_000); // the reconnect backoff grows meanwhile
      restarted = await startServer(p);
      const t0 = performance.now();
      await expect.poll(() => again.describeBars({}, { timeoutMs: 500 }).then((r) => r.latestDate, () => "failed"), { timeout: 5_000, interval: 50 }).toBe("2026-11-24");
      expect(performance.now() - t0).toBeLessThan(2_000);
    } finally {
      again.close();
      await restarted.shutdown(0);
    }
  });
});

describe("server-streaming calls", () => {
  it("yield every message in order", async () => {
    const symbols: string[] = [];
    for await (const batch of c.listSymbols({ batchSize: 5 })) symbols.push(...batch.symbol);
    expect(symbols).toEqual(["S0", "S1", "S2", "S3", "S4"]);
  });

  it("yield the messages before an error, then throw it with its code and details", async () => {
    const symbols: string[] = [];
    const err = await failure(
      (async () => {
        for await (const batch of c.listSymbols({ batchSize: 5, index: "fail" })) symbols.push(...batch.symbol);
      })(),
    );
    expect(symbols).toEqual(["S0", "S1"]);
    expect(err.code).toBe(Code.InvalidArgument);
    expect(errorMetadata(err)).toEqual({ field: "index" });
  });

  it("cancel the call on the server when the consumer stops early or the signal aborts", async () => {
    streamedBatches = 0;
    for await (const batch of c.listSymbols({ batchSize: 1_000, index: "slow" })) {
      if (batch.symbol[0] === "S1") break;
    }
    await expect.poll(() => cancelled.has("stream:slow")).toBe(true);
    expect(streamedBatches).toBeLessThan(10);
    cancelled.clear();
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 120);
    const err = await failure(
      (async () => {
        for await (const _ of c.listSymbols({ batchSize: 1_000, index: "slow" }, { signal: abort.signal }));
      })(),
    );
    expect(err.code).toBe(Code.Canceled);
    await expect.poll(() => cancelled.has("stream:slow")).toBe(true);
  });
});

it("the Health service through the same client, as the gateway's health probes call it", async () => {
  const health = createGrpcClient(Health, `127.0.0.1:${port}`);
  try {
    expect((await health.check({ service: "" })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    expect((await failure(health.check({ service: "no.such.Service" }))).code).toBe(Code.NotFound);
  } finally {
    health.close();
  }
});
