import { chmodSync, existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { bootstrapDatabase, ensureDatabase, roleUrl, SERVICES, type ServiceName } from "@tickstock/common/bootstrap.ts";
import { runMigrations } from "@tickstock/common/db.ts";
import { debianPostgresBin, startDebianPostgres, startEmbeddedPostgres, startRedis } from "../../scripts/lib/infra.ts";
import { createLogger } from "@tickstock/common/log.ts";

declare module "vitest" {
  interface ProvidedContext {
    adminUrl: string;
    redisUrl: string;
    templateDatabase: string;
  }
}

export const TEMPLATE_DATABASE = "tickstock_template";

const SERVICE_DIRS: Record<ServiceName, string> = {
  import: "import",
  cache_sync: "cache-sync",
  analytics: "analytics",
  coordinator: "coordinator",
};

/**
 * Real PostgreSQL and Redis for the whole run. A template database is
 * bootstrapped (roles, schemas) and migrated by every service as its own role;
 * each test file clones it (test/support/db.ts).
 */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), "tickstock-test-"));
  chmodSync(dir, 0o755); // the postgres user must reach the data directory inside
  const useEmbedded = process.env.TEST_PG === "embedded" || !debianPostgresBin();
  const pg = useEmbedded ? await startEmbeddedPostgres(join(dir, "pg")) : await startDebianPostgres(join(dir, "pg"), { fast: true });
  let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
  try {
    redis = await startRedis({ dir });
    await prepareTemplate(pg.url);
  } catch (err) {
    await redis?.stop();
    await pg.stop({ removeData: true });
    throw err;
  }
  project.provide("adminUrl", pg.url);
  project.provide("redisUrl", redis.url);
  project.provide("templateDatabase", TEMPLATE_DATABASE);

  return async () => {
    await redis!.stop();
    await pg.stop({ removeData: true });
  };
}

async function prepareTemplate(adminUrl: string): Promise<void> {
  const log = createLogger({ service: "test-setup", level: "warn" });
  await ensureDatabase(adminUrl, TEMPLATE_DATABASE);
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${TEMPLATE_DATABASE}`;
  await bootstrapDatabase(templateUrl.toString());
  const root = fileURLToPath(new URL("../../", import.meta.url));
  for (const [name, svc] of Object.entries(SERVICES) as [ServiceName, (typeof SERVICES)[ServiceName]][]) {
    const migrations = join(root, "services", SERVICE_DIRS[name], "migrations");
    if (!existsSync(migrations) || !readdirSync(migrations).some((f) => f.endsWith(".sql"))) continue;
    await runMigrations({ databaseUrl: roleUrl(templateUrl.toString(), name), dir: migrations, schema: svc.schema, lockValue: svc.lockValue, log });
  }
}
