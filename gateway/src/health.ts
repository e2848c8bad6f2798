import type { Client } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus } from "@tickstock/gen/grpc/health/v1/health_pb.js";

/**
 * GET /health (CONTRACT §2.3): every service's grpc.health.v1 answer plus
 * Postgres and Redis, each with a short deadline, checked in parallel.
 */

export type PartStatus = "serving" | "not_serving" | "unavailable";
export type HealthProbe = () => Promise<PartStatus>;

export function grpcHealthProbe(client: Client<typeof Health>, timeoutMs: number): HealthProbe {
  return async () => {
    try {
      const res = await client.check({ service: "" }, { timeoutMs });
      return res.status === HealthCheckResponse_ServingStatus.SERVING ? "serving" : "not_serving";
    } catch {
      return "unavailable";
    }
  };
}

export function promiseProbe(check: () => Promise<unknown>, timeoutMs: number): HealthProbe {
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        check(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error("timeout")), timeoutMs);
        }),
      ]);
      return "serving";
    } catch {
      return "unavailable";
    } finally {
      clearTimeout(timer);
    }
  };
}

export async function checkHealth(probes: Record<string, HealthProbe>): Promise<{ healthy: boolean; body: { status: string; services: Record<string, PartStatus> } }> {
  const names = Object.keys(probes);
  const results = await Promise.all(names.map((n) => probes[n]!()));
  const services = Object.fromEntries(names.map((n, i) => [n, results[i]!]));
  const healthy = results.every((r) => r === "serving");
  return { healthy, body: { status: healthy ? "healthy" : "degraded", services } };
}
