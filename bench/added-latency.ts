/**
 * The latency the gateway adds: the same read (GetStatus) straight over gRPC and through REST,
 * interleaved (one of each in turn, so background work weighs on both alike). In a process of its
 * own, as the other load generators, so that the bench's own heap and handles (after the earlier
 * suites) weigh on neither. `Cache-Control: no-cache`: each REST read goes through to the
 * coordinator, as the direct call does. Each side with a lean client, so that the difference is
 * the gateway's: the direct call with the client the gateway itself calls upstream with
 * (grpc-js), the REST call with node:http over one keep-alive connection (undici's fetch would add
 * about 0.3 ms of its own per call on the client side). A third read, answered from the gateway's
 * read cache, shows the cost of the HTTP hop alone.
 *
 * `node --import tsx bench/added-latency.ts '<json AddedLatencyOptions>'` prints an
 * AddedLatencyResult as JSON.
 */
import http from "node:http";
import { createGrpcClient } from "@tickstock/common/grpc-client.ts";
import { CoordinatorService } from "@tickstock/gen/tickstock/coordinator/v1/coordinator_pb.js";
import { percentile } from "./open-loop.ts";

export interface AddedLatencyOptions {
  /** host:port of the coordinator's gRPC server. */
  coordinator: string;
  /** http://host:port of the gateway. */
  gateway: string;
  apiKey: string;
  /** Rounds of the three reads; the first `warmUp` are not counted. */
  rounds: number;
  warmUp: number;
}

export interface AddedLatencyResult {
  /** p50 in ms of each read. */
  directGrpcP50: number;
  restNoCacheP50: number;
  restCachedP50: number;
  /** restNoCacheP50 − directGrpcP50. */
  addedP50: number;
}

export async function measureAddedLatency(opts: AddedLatencyOptions): Promise<AddedLatencyResult> {
  const direct = createGrpcClient(CoordinatorService, opts.coordinator);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = (extra: Record<string, string>) =>
    new Promise<void>((resolve, reject) => {
      const req = http.get(`${opts.gateway}/api/processing/status`, { agent, headers: { "x-api-key": opts.apiKey, ...extra } }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`GET /api/processing/status: HTTP ${res.statusCode}`));
        res.on("data", () => undefined).on("end", () => resolve()).on("error", reject);
      });
      req.on("error", reject);
    });
  const samples = { grpc: [] as number[], rest: [] as number[], cached: [] as number[] };
  const timeOne = async (into: number[], fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    await fn();
    into.push(performance.now() - t0);
  };
  try {
    for (let i = 0; i < opts.rounds; i++) {
      await timeOne(samples.grpc, () => direct.getStatus({}));
      await timeOne(samples.rest, () => get({ "cache-control": "no-cache" }));
      await timeOne(samples.cached, () => get({}));
    }
  } finally {
    direct.close();
    agent.destroy();
  }
  const p50 = (xs: number[]) => percentile(xs.slice(opts.warmUp).sort((a, b) => a - b), 50);
  const result = { directGrpcP50: p50(samples.grpc), restNoCacheP50: p50(samples.rest), restCachedP50: p50(samples.cached) };
  return { ...result, addedP50: result.restNoCacheP50 - result.directGrpcP50 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await measureAddedLatency(JSON.parse(process.argv[2] ?? "{}") as AddedLatencyOptions);
  process.stdout.write(JSON.stringify(result));
}
