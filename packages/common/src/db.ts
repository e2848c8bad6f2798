import { fileURLToPath } from "node:url";
import pg from "pg";
import { runner } from "node-pg-migrate";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Logger } from "./log.ts";

/** A pool or a client inside a transaction: every store function takes one first. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, "query">;

export interface PoolOptions {
  max?: number;
  applicationName?: string;
  statementTimeoutMs?: number;
}

/**
 * A pool with `error` listeners: a client whose server went away (restart,
 * failover), idle or checked out, is dropped and logged instead of crashing
 * the process, and the next query opens a fresh connection.
 */
export function createPool(url: string, log: Logger, opts: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    application_name: opts.applicationName,
    statement_timeout: opts.statementTimeoutMs,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  pool.on("error", (err) => log.warn({ err: err.message }, "postgres idle client error"));
  // The pool listens only to idle clients: a connection lost while a client is checked out (a
  // transaction, a streamed read, a held advisory lock) would emit an unhandled 'error' and crash
  // the process. The holder sees the failure on its query; releasing the client drops it.
  pool.on("connect", (client) => client.on("error", (err) => log.warn({ err: err.message }, "postgres connection lost")));
  return pool;
}

const RETRYABLE = new Set(["40001", "40P01"]); // serialization_failure, deadlock_detected

/**
 * Runs `fn` inside BEGIN/COMMIT on one client, rolling back on any error.
 * Serialization failures and deadlocks are retried (up to `retries` times)
 * before they surface as Aborted.
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
  opts: { retries?: number; isolation?: "read committed" | "repeatable read" | "serializable" } = {},
): Promise<T> {
  const retries = opts.retries ?? 3;
  for (let attempt = 0; ; attempt++) {
    const client = await connect(pool);
    try {
      await client.query(opts.isolation ? `BEGIN ISOLATION LEVEL ${opts.isolation.toUpperCase()}` : "BEGIN");
      const result = await fn(client);
      await client.query("COMMIT");
      client.release();
      return result;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      client.release(isConnectionError(err) ? (err as Error) : undefined);
      if (attempt < retries && RETRYABLE.has(pgCode(err) ?? "")) continue;
      throw translatePgError(err);
    }
  }
}

async function connect(pool: pg.Pool): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (err) {
    throw translatePgError(err);
  }
}

export function pgCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === "string" ? code : undefined;
}

const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004"]);

export function isConnectionError(err: unknown): boolean {
  const code = pgCode(err);
  if (code && CONNECTION_CODES.has(code)) return true;
  const message = err instanceof Error ? err.message : "";
  return /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(message);
}

/**
 * Maps Postgres errors whose meaning is known to Connect codes: unique
 * violation → AlreadyExists, serialization/deadlock → Aborted, connection
 * lost → Unavailable. Anything else is returned as is (a bug: Internal).
 */
export function translatePgError(err: unknown): unknown {
  if (err instanceof ConnectError) return err;
  const code = pgCode(err);
  if (code === "23505") return new ConnectError("already exists", Code.AlreadyExists, undefined, undefined, err);
  if (code && RETRYABLE.has(code)) return new ConnectError("conflicting concurrent update, retry", Code.Aborted, undefined, undefined, err);
  if (isConnectionError(err)) return new ConnectError("database unavailable", Code.Unavailable, undefined, undefined, err);
  return err;
}

export interface MigrateOptions {
  /** URL of the service's own role (it owns what the migrations create). */
  databaseUrl: string;
  /** Folder of plain SQL migrations (0001_init.sql, …). */
  dir: string | URL;
  /** The service's schema: its migrations table lives there. */
  schema: string;
  /** Distinct per service so that two services migrate in parallel. */
  lockValue: number;
  log: Logger;
}

/**
 * Runs the service's pending migrations: each in its own transaction, under a
 * per-service advisory lock (two replicas starting together migrate once),
 * recorded in `<schema>.pgmigrations`.
 */
export async function runMigrations(opts: MigrateOptions): Promise<string[]> {
  const dir = opts.dir instanceof URL ? fileURLToPath(opts.dir) : opts.dir;
  const client = new pg.Client({ connectionString: opts.databaseUrl });
  client.on("error", (err) => opts.log.warn({ err: err.message }, "migration client error"));
  await client.connect();
  try {
    const applied = await runner({
      dbClient: client,
      dir,
      direction: "up",
      migrationsTable: "pgmigrations",
      migrationsSchema: opts.schema,
      createMigrationsSchema: false, // the bootstrap created it, owned by the service role
      checkOrder: true,
      lockValue: opts.lockValue,
      count: Infinity,
      log: () => undefined,
      logger: { debug: () => undefined, info: () => undefined, warn: (m: string) => opts.log.warn(m), error: (m: string) => opts.log.error(m) },
    });
    const names = applied.map((m) => m.name);
    if (names.length > 0) opts.log.info({ migrations: names }, "migrations applied");
    return names;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Checks that Postgres answers (for health). */
export async function pingDatabase(pool: Queryable): Promise<boolean> {
  try {
    await pool.query("SELECT 1");
    return true;
  } catch {
    return false;
  }
}
