import { z } from "zod";

/**
 * Environment parsing at the boundary. Every service declares one zod object
 * of its variables; `parseEnv` reads them all at once, treats an empty string
 * as unset, and reports every problem in one line naming the variables.
 */

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export function parseEnv<S extends z.ZodObject>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== "") raw[key] = value.trim();
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = issue.path.join(".") || "(environment)";
      return `${name}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
  return parsed.data;
}

/** Runs `load`, and on a ConfigError prints its one line and exits 1. */
export function loadOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

export const postgresUrl = z
  .string()
  .refine((s) => /^postgres(ql)?:\/\//.test(s), "must be a postgres:// URL");

export const redisUrl = z.string().refine((s) => /^rediss?:\/\//.test(s), "must be a redis:// URL");

export const logLevel = z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info");

/** Variables every service reads. */
export const commonEnv = {
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: postgresUrl.default("postgres://postgres@127.0.0.1:5432/tickstock"),
  REDIS_URL: redisUrl.default("redis://127.0.0.1:6379"),
  LOG_LEVEL: logLevel,
  LOG_FILE: z.string().optional(),
  EVENTS_STREAM_MAXLEN: z.coerce.number().int().min(100).default(100_000),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
};

/** The system_metrics event every service publishes (observability.ts). */
export const monitoringEnv = {
  SYSTEM_METRICS_INTERVAL_MS: z.coerce.number().int().refine((ms) => ms === 0 || ms >= 1000, "must be 0 (off) or at least 1000").default(30_000),
};

/** Addresses of the gRPC services, as every client of them reads them. */
export const serviceAddressEnv = {
  COORDINATOR_ADDR: z.string().default("127.0.0.1:50051"),
  IMPORT_ADDR: z.string().default("127.0.0.1:50052"),
  CACHE_SYNC_ADDR: z.string().default("127.0.0.1:50053"),
  ANALYTICS_ADDR: z.string().default("127.0.0.1:50054"),
};
