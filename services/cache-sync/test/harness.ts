// Test harness: the real import service (synthetic market, bars imported first) and a real
// cache-sync service on port 0 against one test database, real Redis, real gRPC between them.
// Used by the cache-sync integration tests and the end-to-end tests through the gateway.
import pg from "pg";
import type { Interceptor } from "@connectrpc/connect";
import { CacheSyncService } from "@tickstock/gen/tickstock/cachesync/v1/cache_sync_pb.js";
import { ImportService } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import type { TestDatabase } from "../../../test/support/db.ts";
import { createServiceClient, startService, type ServiceHarness } from "../../../test/support/services.ts";
import { createProvider } from "../../import/src/providers/index.ts";
import { createServer as createImportServer } from "../../import/src/server.ts";
import { DEFAULT_CACHE_SYNC_CONFIG, type CacheSyncConfig } from "../src/config.ts";
import { createJobRunner, type JobRunner } from "../src/runner.ts";
import { createServer } from "../src/server.ts";

export const CALENDAR = { specialClosures: ["2025-01-09"] };
/** Monday 2025-02-03, 17:00 in New York: its session has closed, so it is the latest trading day. */
export const AS_OF = new Date("2025-02-03T22:00:00Z");
export const MARKET_DATE = "2025-02-03";
export const FIRST_BAR_DATE = "2025-01-06";

export async function startImport(db: TestDatabase, symbols = 1000): Promise<ServiceHarness> {
  return startService(db, "import", (deps) => {
    const providers = new Map([["synthetic", createProvider({ provider: "synthetic", seed: 11, symbols, calendar: CALENDAR })]]);
    return createImportServer({ ...deps, providers, defaultProvider: "synthetic", calendar: CALENDAR, maxRangeDays: 400, batchRows: 100_000, progressIntervalMs: 0 });
  });
}

/** Imports symbols (as of `to`) and the bars of every trading day in [from, to]. */
export async function importMarket(address: string, from = FIRST_BAR_DATE, to = MARKET_DATE): Promise<void> {
  const client = createServiceClient(ImportService, address);
  for await (const msg of client.runImport({ fromDate: from, toDate: to, provider: "synthetic" })) void msg;
}

/** Holds every import call made through it while closed (honouring the call's abort signal). */
export function createGate() {
  let open = true;
  let release: () => void = () => undefined;
  let opened = Promise.resolve();
  const interceptor: Interceptor = (next) => async (req) => {
    while (!open) {
      await new Promise<void>((resolve, reject) => {
        void opened.then(resolve);
        req.signal.addEventListener("abort", () => reject(req.signal.reason), { once: true });
      });
    }
    return next(req);
  };
  return {
    interceptor,
    close() {
      if (!open) return;
      open = false;
      opened = new Promise((r) => (release = r));
    },
    open() {
      open = true;
      release();
    },
  };
}

export interface CacheSyncOptions {
  importAddress: string;
  cfg?: CacheSyncConfig;
  /** Read at each job start: tests move the clock by changing `.value`. */
  asOf?: { value: Date };
  interceptors?: Interceptor[];
  /** Start the worker at once (default true). */
  start?: boolean;
}

export interface CacheSyncHarness extends ServiceHarness {
  runner: JobRunner;
  client: ReturnType<typeof createServiceClient<typeof CacheSyncService>>;
}

export async function startCacheSync(db: TestDatabase, opts: CacheSyncOptions): Promise<CacheSyncHarness> {
  const asOf = opts.asOf ?? { value: AS_OF };
  let runner!: JobRunner;
  const harness = await startService(db, "cache_sync", (deps) => {
    runner = createJobRunner({
      pool: deps.pool,
      log: deps.log,
      publisher: deps.publisher,
      importClient: createServiceClient(ImportService, opts.importAddress, { interceptors: opts.interceptors }),
      importTimeoutMs: 10_000,
      cfg: opts.cfg ?? DEFAULT_CACHE_SYNC_CONFIG,
      calendar: CALENDAR,
      asOf: () => asOf.value,
      pollIntervalMs: 1_000,
      watchIntervalMs: 200,
    });
    return createServer({ pool: deps.pool, runner, log: deps.log });
  });
  if (opts.start ?? true) runner.start();
  return {
    ...harness,
    runner,
    client: createServiceClient(CacheSyncService, harness.address),
    async stop() {
      await runner.stop(2_000);
      await harness.stop();
    },
  };
}

/** Polls GetJob until the job ends (or `until` holds). */
export async function waitForJob(
  client: CacheSyncHarness["client"],
  jobId: string,
  until: (status: string) => boolean = (s) => ["completed", "failed", "error"].includes(s),
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await client.getJob({ jobId });
    if (until(job.status)) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Runs SQL as a service's own role (the import service changing symbols, AppV2's reader reading). */
export async function queryAs<R extends pg.QueryResultRow>(db: TestDatabase, role: "import" | "reader" | "cache_sync", sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
  const client = new pg.Client({ connectionString: db.urlFor(role) });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await client.query<R>(sql, params);
  } finally {
    await client.end();
  }
}

export interface EntryRow {
  universe: string;
  cache_type: string;
  content: { symbols: string[]; count: number; last_updated: string; metadata: Record<string, unknown> };
  updated_at: Date;
  xmin: string;
}

export async function readEntries(db: TestDatabase): Promise<Map<string, EntryRow>> {
  const { rows } = await db.query<EntryRow>("SELECT universe, cache_type, content, updated_at, xmin::text AS xmin FROM cache_entries ORDER BY universe");
  return new Map(rows.map((r) => [r.universe, r]));
}
