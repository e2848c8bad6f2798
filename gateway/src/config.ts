import { z } from "zod";
import { commonEnv, parseEnv, port, serviceAddressEnv } from "@tickstock/common/config.ts";
import { DEVELOPMENT_KEY } from "./auth.ts";

const keyList = z
  .string()
  .transform((s) => s.split(",").map((k) => k.trim()).filter(Boolean))
  .pipe(z.array(z.string().min(16, "every API key needs at least 16 characters")).min(1, "at least one key"));

export const gatewayEnvSchema = z
  .object({
    ...commonEnv,
    ...serviceAddressEnv,
    GATEWAY_HOST: z.string().default("0.0.0.0"),
    GATEWAY_PORT: port(8080),
    /** Comma-separated; several keys let a key be rotated without downtime. */
    API_KEYS: keyList.default([DEVELOPMENT_KEY]),
    /** Deadline of every upstream call. */
    UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
    HEALTH_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(1_500),
    MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
    /** Per API key, on the two trigger endpoints (REST and Connect); 0 turns the limit off. */
    RATE_LIMIT_TRIGGERS_PER_MINUTE: z.coerce.number().min(0).max(100_000).default(30),
    /**
     * Milliseconds a REST read's answer is shared by identical reads (status polls); a write
     * through the gateway drops them at once. 0 turns it off.
     */
    READ_CACHE_MS: z.coerce.number().int().min(0).max(10_000).default(250),
    /** Triggers one key may send at once before the per-minute rate applies. */
    RATE_LIMIT_TRIGGER_BURST: z.coerce.number().int().min(1).max(100_000).default(10),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.NODE_ENV === "production" && cfg.API_KEYS.includes(DEVELOPMENT_KEY)) {
      ctx.addIssue({ code: "custom", path: ["API_KEYS"], message: "the development key is refused in production: configure your own keys" });
    }
  });

export type GatewayConfig = z.infer<typeof gatewayEnvSchema>;

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return parseEnv(gatewayEnvSchema, env);
}
