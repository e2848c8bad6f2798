import { z } from "zod";
import { commonEnv, monitoringEnv, parseEnv, port } from "@tickstock/common/config.ts";

const list = z.string().transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean));

export const importEnvSchema = z.object({
  ...commonEnv,
  ...monitoringEnv,
  IMPORT_HOST: z.string().default("0.0.0.0"),
  IMPORT_PORT: port(50052),
  /** GET /metrics (Prometheus) on IMPORT_HOST; 0 turns it off. */
  IMPORT_METRICS_PORT: port(9101),
  /** The provider used when a request names none. */
  IMPORT_PROVIDER: z.enum(["synthetic", "massive", "csv"]).default("synthetic"),
  IMPORT_SYNTHETIC_SEED: z.coerce.number().int().default(20250124),
  IMPORT_SYNTHETIC_SYMBOLS: z.coerce.number().int().min(10).max(100_000).default(5000),
  IMPORT_CSV_DIR: z.string().optional(),
  MASSIVE_API_KEY: z.string().optional(),
  MASSIVE_BASE_URL: z.url().default("https://api.massive.com"),
  MASSIVE_MAX_RETRIES: z.coerce.number().int().min(0).max(20).default(5),
  MASSIVE_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  MASSIVE_DETAILS_LIMIT: z.coerce.number().int().min(0).default(0),
  /** Longest date range one import may cover. */
  IMPORT_MAX_RANGE_DAYS: z.coerce.number().int().min(1).default(3700),
  IMPORT_BATCH_ROWS: z.coerce.number().int().min(1000).default(200_000),
  /** Extra full-day market closures, comma-separated YYYY-MM-DD. */
  MARKET_SPECIAL_CLOSURES: list.default(["2025-01-09"]),
}).superRefine((cfg, ctx) => {
  if (cfg.IMPORT_PROVIDER === "massive" && !cfg.MASSIVE_API_KEY)
    ctx.addIssue({ code: "custom", path: ["MASSIVE_API_KEY"], message: "required when IMPORT_PROVIDER=massive" });
  if (cfg.IMPORT_PROVIDER === "csv" && !cfg.IMPORT_CSV_DIR)
    ctx.addIssue({ code: "custom", path: ["IMPORT_CSV_DIR"], message: "required when IMPORT_PROVIDER=csv" });
});

export type ImportConfig = z.infer<typeof importEnvSchema>;

export function loadImportConfig(env: NodeJS.ProcessEnv = process.env): ImportConfig {
  return parseEnv(importEnvSchema, env);
}
