// The stack AppV2 talks to for cache sync: the real import service (a synthetic market with its
// bars imported), the real cache-sync service and the real gateway, each on a free port, over
// one fresh test database and the test Redis.
import type { DescService } from "@bufbuild/protobuf";
import type { Client, Interceptor } from "@connectrpc/connect";
import { createGrpcClient } from "@tickstock/common/grpc-client.ts";
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
  /** Told the name of every call the gateway makes to a service. */
  onUpstreamCall?: (method: string) => void;
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
  // The gateway's own upstream client (as gateway/src/main.ts makes it), each call told to onUpstreamCall.
  const clients = upstreams.map((u) => ({ service: u.service, grpc: createGrpcClient(u.service, u.address) }));
  const gateway = createGateway({
    log: createLogger({ service: "gateway", level: "silent" }),
    apiKeys: [API_KEY],
    upstreams: clients.map(({ service, grpc }) => ({
      service,
      client: Object.fromEntries(
        service.methods.map((m) => [
          m.localName,
          (req: unknown, options: unknown) => {
            opts.onUpstreamCall?.(m.name);
            return (grpc as unknown as Record<string, (req: unknown, options: unknown) => unknown>)[m.localName]!(req, options);
          },
        ]),
      ) as unknown as Client<DescService>,
    })),
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
      for (const { grpc } of clients) grpc.close();
      await cacheSync.stop();
      await importSvc.stop();
      await db.drop();
    },
  };
}
