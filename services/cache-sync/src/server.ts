import { createGrpcServer, register, type GrpcServer } from "@tickstock/common/serve.ts";
import type { Logger } from "@tickstock/common/log.ts";
import { CacheSyncService } from "@tickstock/gen/tickstock/cachesync/v1/cache_sync_pb.js";
import { createCacheSyncService, type CacheSyncServiceDeps } from "./service.ts";

/** Builds the cache-sync gRPC server (reflection, health); never listens, never starts the runner. */
export function createServer(deps: CacheSyncServiceDeps & { log: Logger }): GrpcServer {
  return createGrpcServer({ services: [register(CacheSyncService, createCacheSyncService(deps))], log: deps.log });
}
