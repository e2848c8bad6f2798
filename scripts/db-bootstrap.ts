/**
 * `npm run db:bootstrap`: creates the per-service roles and schemas and
 * AppV2's read-only role in DATABASE_URL's database (run as an administrator;
 * idempotent). Passwords from TICKSTOCK_<SERVICE>_PASSWORD; without them the
 * development defaults (the role names) are used, which production refuses.
 */
import { z } from "zod";
import { bootstrapDatabase } from "@tickstock/common/bootstrap.ts";
import { loadOrExit, parseEnv, postgresUrl } from "@tickstock/common/config.ts";

const password = z.string().min(12, "at least 12 characters").optional();
const env = loadOrExit(() =>
  parseEnv(
    z
      .object({
        NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
        DATABASE_URL: postgresUrl,
        TICKSTOCK_IMPORT_PASSWORD: password,
        TICKSTOCK_CACHE_SYNC_PASSWORD: password,
        TICKSTOCK_ANALYTICS_PASSWORD: password,
        TICKSTOCK_COORDINATOR_PASSWORD: password,
        TICKSTOCK_READER_PASSWORD: password,
      })
      .superRefine((e, ctx) => {
        if (e.NODE_ENV !== "production") return;
        for (const k of ["TICKSTOCK_IMPORT_PASSWORD", "TICKSTOCK_CACHE_SYNC_PASSWORD", "TICKSTOCK_ANALYTICS_PASSWORD", "TICKSTOCK_COORDINATOR_PASSWORD", "TICKSTOCK_READER_PASSWORD"] as const)
          if (!e[k]) ctx.addIssue({ code: "custom", path: [k], message: "required in production" });
      }),
  ),
);
await bootstrapDatabase(env.DATABASE_URL, {
  import: env.TICKSTOCK_IMPORT_PASSWORD,
  cache_sync: env.TICKSTOCK_CACHE_SYNC_PASSWORD,
  analytics: env.TICKSTOCK_ANALYTICS_PASSWORD,
  coordinator: env.TICKSTOCK_COORDINATOR_PASSWORD,
  reader: env.TICKSTOCK_READER_PASSWORD,
});
process.stdout.write("roles and schemas are in place\n");
