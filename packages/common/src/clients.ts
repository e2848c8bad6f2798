import type { DescService } from "@bufbuild/protobuf";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";

/**
 * A typed client of another service over real gRPC (h2c). Services talk to
 * each other only through these, never through each other's tables.
 */
export function createServiceClient<S extends DescService>(
  service: S,
  address: string,
  opts: { defaultTimeoutMs?: number; interceptors?: Interceptor[] } = {},
): Client<S> {
  const baseUrl = address.startsWith("http") ? address : `http://${address}`;
  const transport = createGrpcTransport({
    baseUrl,
    defaultTimeoutMs: opts.defaultTimeoutMs,
    interceptors: opts.interceptors,
    pingIntervalMs: 30_000,
    idleConnectionTimeoutMs: 60_000,
    readMaxBytes: 64 * 1024 * 1024,
  });
  return createClient(service, transport);
}
