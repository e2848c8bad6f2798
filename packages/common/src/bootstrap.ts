import pg from "pg";

/**
 * Database bootstrap, run once per database by an administrator (the start
 * script, the test setup, or `npm run db:bootstrap` in a deployment): one
 * login role per service, one schema per service owned by its role, CREATE on
 * `public` only for the owners of the contract tables, and AppV2's read-only
 * role. Each service then migrates its own tables as its own role, so a
 * service can write only what it owns.
 */

export const SERVICES = {
  import: { role: "tickstock_import", schema: "import", lockValue: 71001, ownsPublicTables: true },
  cache_sync: { role: "tickstock_cache_sync", schema: "cache_sync", lockValue: 71002, ownsPublicTables: true },
  analytics: { role: "tickstock_analytics", schema: "analytics", lockValue: 71003, ownsPublicTables: false },
  coordinator: { role: "tickstock_coordinator", schema: "coordinator", lockValue: 71004, ownsPublicTables: false },
} as const;

export type ServiceName = keyof typeof SERVICES;

/** AppV2 reads cache_entries, symbols and ohlcv_daily with this role. */
export const READER_ROLE = "tickstock_reader";

export type RolePasswords = Partial<Record<ServiceName | "reader", string>>;

/** Development passwords (the role's name) unless configured. Production sets TICKSTOCK_<NAME>_PASSWORD. */
export function rolePassword(name: ServiceName | "reader", passwords: RolePasswords = {}): string {
  return passwords[name] ?? (name === "reader" ? READER_ROLE : SERVICES[name].role);
}

/** The connection URL of a service's role, from the administrator's URL. */
export function roleUrl(adminUrl: string, name: ServiceName | "reader", passwords: RolePasswords = {}): string {
  const url = new URL(adminUrl);
  url.username = name === "reader" ? READER_ROLE : SERVICES[name].role;
  url.password = rolePassword(name, passwords);
  return url.toString();
}

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

async function ensureRole(client: pg.Client, role: string, password: string): Promise<void> {
  const exists = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role]);
  const verb = exists.rowCount ? "ALTER" : "CREATE";
  await client.query(`${verb} ROLE ${ident(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${client.escapeLiteral(password)}`);
}

export async function bootstrapDatabase(adminUrl: string, passwords: RolePasswords = {}): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  client.on("error", () => undefined);
  await client.connect();
  try {
    // Roles are cluster-wide: two bootstraps at once (parallel test files) must not race.
    await client.query("SELECT pg_advisory_lock(71000)");
    const database = (await client.query<{ db: string }>("SELECT current_database() AS db")).rows[0]!.db;
    await client.query("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
    for (const [name, svc] of Object.entries(SERVICES) as [ServiceName, (typeof SERVICES)[ServiceName]][]) {
      await ensureRole(client, svc.role, rolePassword(name, passwords));
      await client.query(`GRANT CONNECT ON DATABASE ${ident(database)} TO ${ident(svc.role)}`);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${ident(svc.schema)} AUTHORIZATION ${ident(svc.role)}`);
      await client.query(`GRANT USAGE ON SCHEMA public TO ${ident(svc.role)}`);
      if (svc.ownsPublicTables) await client.query(`GRANT CREATE ON SCHEMA public TO ${ident(svc.role)}`);
    }
    await ensureRole(client, READER_ROLE, rolePassword("reader", passwords));
    await client.query(`GRANT CONNECT ON DATABASE ${ident(database)} TO ${ident(READER_ROLE)}`);
    await client.query(`GRANT USAGE ON SCHEMA public TO ${ident(READER_ROLE)}`);
    await client.query("SELECT pg_advisory_unlock(71000)");
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates a database (owned by the administrator) if it does not exist. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const url = new URL(adminUrl);
  url.pathname = "/postgres";
  const client = new pg.Client({ connectionString: url.toString() });
  client.on("error", () => undefined);
  await client.connect();
  try {
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (!exists.rowCount) await client.query(`CREATE DATABASE ${ident(database)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
