/** `node --import tsx scripts/grpc-health.ts host:port`: exit 0 when grpc.health.v1 says SERVING (container health checks). */
import { createServiceClient } from "@tickstock/common/clients.ts";
import { Health, HealthCheckResponse_ServingStatus } from "@tickstock/gen/grpc/health/v1/health_pb.js";

const address = process.argv[2] ?? "127.0.0.1:50051";
try {
  const res = await createServiceClient(Health, address).check({ service: "" }, { timeoutMs: 3_000 });
  process.exit(res.status === HealthCheckResponse_ServingStatus.SERVING ? 0 : 1);
} catch {
  process.exit(1);
}
