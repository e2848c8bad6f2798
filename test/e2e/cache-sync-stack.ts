// The stack AppV2 talks to for cache sync: the real import service (a synthetic market with its
// bars imported), the real cache-sync service and the real gateway, each on a free port, over
// one fresh test database and the test Redis.
import type { DescService } from "@bufbuild/protobuf";
import type { Client, Interceptor } from "@connectrpc/connect";
import { createServiceClient } from "@tickstock/common/clients.ts";
import { createLogger } from "@tickstock/common/log.ts";
import { CacheSyncService } from "@tickstock/gen/tickstock/cachesync/v1/cache_sync_pb.js";
import { ImportService } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { createGateway } from "../../gateway/src/server.ts";
import { importMarket, startCacheSync, startImport, type CacheSyncHarness } from "../../services/cache-sync/test/harness.ts";
import { createTestDatabase, type TestDatabase } from "../support/db.ts";
import type { ServiceHarness } from "../support/services.ts";

export const API_KEY = "tickstock-cache-sync-2025";

export interface CacheSyncStack {
  db: TestDatabase;
  importSvc: ServiceHarness;
  cacheSync: CacheSyncHarness;
  /** http://127.0.0.1:<port> of the gateway. */
  base: string;
  port: number;
  stop(): Promise<void>;
}

export interface CacheSyncStackOptions {
  /** On the cache-sync service's client of the import service. */
  interceptors?: Interceptor[];
  /** On the gateway's clients of the services (they see every upstream call). */
  gatewayInterceptors?: Interceptor[];
  /** The gateway's READ_CACHE_MS (default 0: off). */
  readCacheMs?: number;
}

export async function startCacheSyncStack(opts: CacheSyncStackOptions = {}): Promise<CacheSyncStack> {
  const db = await createTestDatabase();
  const importSvc = await startImport(db);
  await importMarket(importSvc.address);
  const cacheSync = await startCacheSync(db, { importAddress: importSvc.address, interceptors: opts.interceptors });
  const upstreams: { service: DescService; address: string }[] = [
    { service: CacheSyncService, address: cacheSync.address },
    { service: ImportService, address: importSvc.address },
  ];
  const gateway = createGateway({
    log: createLogger({ service: "gateway", level: "silent" }),
    apiKeys: [API_KEY],
    upstreams: upstreams.map((u) => ({ service: u.service, client: createServiceClient(u.service, u.address, { interceptors: opts.gatewayInterceptors }) as Client<DescService> })),
    healthProbes: {},
    upstreamTimeoutMs: 10_000,
    maxBodyBytes: 1024 * 1024,
    readCacheMs: opts.readCacheMs,
  });
  const port = await gateway.listen("127.0.0.1", 0);
  return {
    db,
    importSvc,
    cacheSync,
    port,
    base: `http://127.0.0.1:${port}`,
    async stop() {
      await gateway.close(500);
      await cacheSync.stop();
      await importSvc.stop();
      await db.drop();
    },
  };
}
