import { z } from "zod";
import { commonEnv, monitoringEnv, parseEnv, port, serviceAddressEnv } from "@tickstock/common/config.ts";
import type { PatternConfig } from "./compute.ts";

export const analyticsEnvSchema = z
  .object({
    ...commonEnv,
    ...monitoringEnv,
    IMPORT_ADDR: serviceAddressEnv.IMPORT_ADDR,
    ANALYTICS_HOST: z.string().default("0.0.0.0"),
    ANALYTICS_PORT: port(50054),
    /** GET /metrics (Prometheus) on ANALYTICS_HOST; 0 turns it off. */
    ANALYTICS_METRICS_PORT: port(9103),
    /** Worker threads computing indicators and patterns (default: os.availableParallelism()). */
    ANALYTICS_WORKERS: z.coerce.number().int().min(1).max(64).optional(),
    /** Old-generation heap limit of each worker thread, in MB. */
    ANALYTICS_WORKER_HEAP_MB: z.coerce.number().int().min(32).max(4096).default(64),
    /** Most symbols per ListBars call, worker task and write transaction (ListBars allows 5000). */
    ANALYTICS_BATCH_SYMBOLS: z.coerce.number().int().min(1).max(5000).default(500),
    /** Bars a batch should hold: longer histories make batches of fewer symbols (worker memory). */
    ANALYTICS_BATCH_BARS: z.coerce.number().int().min(1000).max(5_000_000).default(150_000),
    /** Longest date range GetIndicators answers, in calendar days. */
    ANALYTICS_MAX_RANGE_DAYS: z.coerce.number().int().min(1).max(36_600).default(3660),
    /** Minimum milliseconds between two progress events of a phase. */
    ANALYTICS_PROGRESS_INTERVAL_MS: z.coerce.number().int().min(0).default(250),
    /** Skipped symbols reported one by one on tickstock:errors per phase; the rest in one summary. */
    ANALYTICS_MAX_SKIP_WARNINGS: z.coerce.number().int().min(0).default(25),
    /** volume_spike: volume above this multiple of the previous 20 bars' average. */
    ANALYTICS_VOLUME_SPIKE_MULTIPLE: z.coerce.number().positive().default(2),
    ANALYTICS_RSI_OVERBOUGHT: z.coerce.number().min(0).max(100).default(70),
    ANALYTICS_RSI_OVERSOLD: z.coerce.number().min(0).max(100).default(30),
    /** Bars of history that make "52 weeks" for the 52-week breakouts. */
    ANALYTICS_BREAKOUT_LOOKBACK_DAYS: z.coerce.number().int().min(1).max(5000).default(252),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.ANALYTICS_RSI_OVERSOLD >= cfg.ANALYTICS_RSI_OVERBOUGHT) {
      ctx.addIssue({ code: "custom", path: ["ANALYTICS_RSI_OVERSOLD"], message: "must be below ANALYTICS_RSI_OVERBOUGHT" });
    }
  });

export type AnalyticsConfig = z.infer<typeof analyticsEnvSchema>;

export function loadAnalyticsConfig(env: NodeJS.ProcessEnv = process.env): AnalyticsConfig {
  return parseEnv(analyticsEnvSchema, env);
}

export function patternConfigOf(cfg: AnalyticsConfig): PatternConfig {
  return {
    volumeSpikeMultiple: cfg.ANALYTICS_VOLUME_SPIKE_MULTIPLE,
    rsiOverbought: cfg.ANALYTICS_RSI_OVERBOUGHT,
    rsiOversold: cfg.ANALYTICS_RSI_OVERSOLD,
    breakoutLookbackDays: cfg.ANALYTICS_BREAKOUT_LOOKBACK_DAYS,
  };
}
