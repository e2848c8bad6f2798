/**
 * The latency the gateway adds: the same read (GetStatus) straight over gRPC and through REST,
 * interleaved (one of each in turn, so background work weighs on all alike). In a process of its
 * own, as the other load generators, so that the bench's own heap and handles (after the earlier
 * suites) weigh on none. `Cache-Control: no-cache`: each REST read goes through to the
 * coordinator, as the direct call does; the REST call is made with node:http over one keep-alive
 * connection (undici's fetch would add about 0.3 ms of its own per call on the client side).
 *
 * Two direct calls: with grpc-js, the gRPC library of our stack, as an operator's or a service's
 * client calls (the figure with the target); and with the gateway's own upstream client
 * (grpc-client.ts, node:http2 for unary calls), which leaves only what the hop itself costs: the
 * HTTP exchange, the JSON both ways, and two more processes waking up. A read answered from the
 * gateway's read cache shows the HTTP exchange alone.
 *
 * `node --import tsx bench/added-latency.ts '<json AddedLatencyOptions>'` prints an
 * AddedLatencyResult as JSON.
 */
import http from "node:http";
import * as grpc from "@grpc/grpc-js";
import { fromBinary, toBinary, create } from "@bufbuild/protobuf";
import { createGrpcClient } from "@tickstock/common/grpc-client.ts";
import { CoordinatorService, GetStatusRequestSchema, GetStatusResponseSchema } from "@tickstock/gen/tickstock/coordinator/v1/coordinator_pb.js";
import { percentile } from "./open-loop.ts";

export interface AddedLatencyOptions {
  /** host:port of the coordinator's gRPC server. */
  coordinator: string;
  /** http://host:port of the gateway. */
  gateway: string;
  apiKey: string;
  /** Rounds of the four reads; the first `warmUp` are not counted. */
  rounds: number;
  warmUp: number;
}

export interface AddedLatencyResult {
  /** p50 in ms of each read. */
  directGrpcJsP50: number;
  directGatewayClientP50: number;
  restNoCacheP50: number;
  restCachedP50: number;
  /** restNoCacheP50 − directGrpcJsP50. */
  addedP50: number;
  /** restNoCacheP50 − directGatewayClientP50. */
  hopP50: number;
}

export async function measureAddedLatency(opts: AddedLatencyOptions): Promise<AddedLatencyResult> {
  const grpcJs = new grpc.Client(opts.coordinator, grpc.credentials.createInsecure());
  const request = Buffer.from(toBinary(GetStatusRequestSchema, create(GetStatusRequestSchema)));
  const viaGrpcJs = () =>
    new Promise((resolve, reject) =>
      grpcJs.makeUnaryRequest(
        `/${CoordinatorService.typeName}/GetStatus`,
        (b: Buffer) => b,
        (b: Buffer) => fromBinary(GetStatusResponseSchema, b),
        request,
        new grpc.Metadata(),
        {},
        (err, value) => (err ? reject(err) : resolve(value)),
      ),
    );
  const gatewayClient = createGrpcClient(CoordinatorService, opts.coordinator);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = (extra: Record<string, string>) =>
    new Promise<void>((resolve, reject) => {
      const req = http.get(`${opts.gateway}/api/processing/status`, { agent, headers: { "x-api-key": opts.apiKey, ...extra } }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`GET /api/processing/status: HTTP ${res.statusCode}`));
        res.on("data", () => undefined).on("end", () => resolve()).on("error", reject);
      });
      req.on("error", reject);
    });
  const samples = { grpcJs: [] as number[], gatewayClient: [] as number[], rest: [] as number[], cached: [] as number[] };
  const timeOne = async (into: number[], fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    await fn();
    into.push(performance.now() - t0);
  };
  try {
    for (let i = 0; i < opts.rounds; i++) {
      await timeOne(samples.grpcJs, viaGrpcJs);
      await timeOne(samples.gatewayClient, () => gatewayClient.getStatus({}));
      await timeOne(samples.rest, () => get({ "cache-control": "no-cache" }));
      await timeOne(samples.cached, () => get({}));
    }
  } finally {
    grpcJs.close();
    gatewayClient.close();
    agent.destroy();
  }
  const p50 = (xs: number[]) => percentile(xs.slice(opts.warmUp).sort((a, b) => a - b), 50);
  const r = { directGrpcJsP50: p50(samples.grpcJs), directGatewayClientP50: p50(samples.gatewayClient), restNoCacheP50: p50(samples.rest), restCachedP50: p50(samples.cached) };
  return { ...r, addedP50: r.restNoCacheP50 - r.directGrpcJsP50, hopP50: r.restNoCacheP50 - r.directGatewayClientP50 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await measureAddedLatency(JSON.parse(process.argv[2] ?? "{}") as AddedLatencyOptions);
  process.stdout.write(JSON.stringify(result));
}
