import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { roleUrl, type ServiceName } from "@tickstock/common/bootstrap.ts";

export interface TestDatabase {
  name: string;
  /** Superuser URL of this database (for assertions only). */
  adminUrl: string;
  /** URL of a service's own role on this database. */
  urlFor(service: ServiceName | "reader"): string;
  /** A superuser client for assertions. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A fresh database cloned from the migrated template: every test file gets its own. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const base = inject("adminUrl");
  const template = inject("templateDatabase");
  const name = `t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  admin.on("error", () => undefined);
  await admin.connect();
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
      break;
    } catch (err) {
      // The template is briefly "being accessed by other users" while another file clones it.
      if (attempt > 50 || (err as { code?: string }).code !== "55006") throw err;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    }
  }
  const adminUrl = withDatabase(base, name);
  const pool = new pg.Pool({ connectionString: adminUrl, max: 2 });
  pool.on("error", () => undefined);
  return {
    name,
    adminUrl,
    urlFor: (service) => roleUrl(adminUrl, service),
    query: (sql, params) => pool.query(sql, params as unknown[]),
    async drop() {
      await pool.end();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}
