import { z } from "zod";
import { parseEnv, redisUrl } from "@tickstock/common/config.ts";

/** The CLI's environment, parsed once at start-up (a bad value is a usage error, exit 2). */
export const cliEnvSchema = z.object({
  TICKSTOCK_URL: z.url({ protocol: /^https?$/, error: "must be an http(s):// URL" }).default("http://localhost:8080"),
  /** The gateway's development key by default; in production, one of API_KEYS. */
  TICKSTOCK_API_KEY: z.string().min(1).default("tickstock-cache-sync-2025"),
  REDIS_URL: redisUrl.default("redis://127.0.0.1:6379"),
  TICKSTOCK_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
});

export type CliConfig = z.infer<typeof cliEnvSchema>;

export function loadCliConfig(env: NodeJS.ProcessEnv = process.env): CliConfig {
  return parseEnv(cliEnvSchema, env);
}
