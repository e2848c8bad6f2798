import { z } from "zod";
import { commonEnv, monitoringEnv, parseEnv, port, serviceAddressEnv } from "@tickstock/common/config.ts";
import { isValidTimeZone, isValidTriggerTime } from "@tickstock/common/schedule-time.ts";
import { isValidIsoDate } from "@tickstock/common/trading-calendar.ts";
import { isUniverseName } from "./run-plan.ts";
import type { PhasePolicy } from "./runner.ts";
import type { RunManagerDeps } from "./runs.ts";
import { canonicalTimeZone, type Schedule } from "./schedule.ts";

const list = z.string().transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean));
const ms = (fallback: number, min = 1) => z.coerce.number().int().min(min).default(fallback);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const coordinatorEnvSchema = z.object({
  ...commonEnv,
  ...monitoringEnv,
  ...serviceAddressEnv,
  COORDINATOR_HOST: z.string().default("0.0.0.0"),
  COORDINATOR_PORT: port(50051),
  /** GET /metrics (Prometheus) on COORDINATOR_HOST; 0 turns it off. */
  COORDINATOR_METRICS_PORT: port(9104),
  /** Deadline of one call of each phase (a retry gets a fresh one). */
  COORDINATOR_IMPORT_DEADLINE_MS: ms(60 * MINUTE, 1000),
  COORDINATOR_CACHE_SYNC_DEADLINE_MS: ms(30 * MINUTE, 1000),
  COORDINATOR_INDICATORS_DEADLINE_MS: ms(60 * MINUTE, 1000),
  COORDINATOR_PATTERNS_DEADLINE_MS: ms(60 * MINUTE, 1000),
  /** Retries of a phase answering UNAVAILABLE, with exponential backoff from BASE to MAX. */
  COORDINATOR_PHASE_RETRIES: z.coerce.number().int().min(0).max(20).default(3),
  COORDINATOR_RETRY_BACKOFF_MS: ms(1000),
  COORDINATOR_RETRY_BACKOFF_MAX_MS: ms(30_000),
  /** Owners renew their run's heartbeat this often; a run missing MISSES beats has a dead owner. */
  COORDINATOR_HEARTBEAT_MS: ms(5000, 100),
  COORDINATOR_HEARTBEAT_MISSES: z.coerce.number().int().min(2).max(100).default(3),
  /** A run of a dead owner older than this is ended `failed` instead of resumed. */
  COORDINATOR_RECOVERY_MAX_AGE_MS: ms(12 * HOUR, 1000),
  /** How long CancelRun waits for a run of this process to stop before answering. */
  COORDINATOR_CANCEL_WAIT_MS: z.coerce.number().int().min(0).default(10_000),
  /** Initial schedule: applies until the schedule is first changed through the API. */
  COORDINATOR_SCHEDULE_ENABLED: z.stringbool().default(true),
  COORDINATOR_SCHEDULE_TIME: z.string().refine(isValidTriggerTime, "must be HH:MM").default("16:10"),
  COORDINATOR_SCHEDULE_TIMEZONE: z.string().refine(isValidTimeZone, "must be an IANA time zone").default("America/New_York"),
  COORDINATOR_SCHEDULE_UNIVERSES: list
    .refine((l) => l.length > 0 && l.every(isUniverseName), "must be comma-separated universe names")
    .default(["sp500", "nasdaq100"]),
  /** Run today's scheduled run on start (or on becoming leader) when its time passed unfired. */
  COORDINATOR_CATCH_UP: z.stringbool().default(true),
  /** Universe of a manual run that names none. */
  COORDINATOR_DEFAULT_UNIVERSE: z.string().refine(isUniverseName, "must be a universe name").default("sp500"),
  /** Advisory lock that elects the one coordinator whose scheduler fires. */
  COORDINATOR_LEADER_LOCK_ID: z.coerce.number().int().default(71401),
  /** How often a standby tries to take the lock (and the leader checks it still holds it). */
  COORDINATOR_LEADER_RETRY_MS: ms(5000, 100),
  /** Extra full-day market closures, comma-separated YYYY-MM-DD. */
  MARKET_SPECIAL_CLOSURES: list
    .refine((l) => l.every(isValidIsoDate), "must be comma-separated YYYY-MM-DD dates")
    .default(["2025-01-09"]),
}).superRefine((cfg, ctx) => {
  if (cfg.COORDINATOR_RETRY_BACKOFF_MAX_MS < cfg.COORDINATOR_RETRY_BACKOFF_MS)
    ctx.addIssue({ code: "custom", path: ["COORDINATOR_RETRY_BACKOFF_MAX_MS"], message: "must be at least COORDINATOR_RETRY_BACKOFF_MS" });
});

export type CoordinatorConfig = z.infer<typeof coordinatorEnvSchema>;

export function loadCoordinatorConfig(env: NodeJS.ProcessEnv = process.env): CoordinatorConfig {
  return parseEnv(coordinatorEnvSchema, env);
}

/** How runs are driven, from the configuration. */
export function runSettings(cfg: CoordinatorConfig): Pick<RunManagerDeps, "policy" | "heartbeatMs" | "staleAfterMs" | "recoveryMaxAgeMs" | "cancelWaitMs"> {
  const policy: PhasePolicy = {
    deadlinesMs: {
      import: cfg.COORDINATOR_IMPORT_DEADLINE_MS,
      cache_sync: cfg.COORDINATOR_CACHE_SYNC_DEADLINE_MS,
      indicators: cfg.COORDINATOR_INDICATORS_DEADLINE_MS,
      patterns: cfg.COORDINATOR_PATTERNS_DEADLINE_MS,
    },
    retries: cfg.COORDINATOR_PHASE_RETRIES,
    backoffMs: cfg.COORDINATOR_RETRY_BACKOFF_MS,
    backoffMaxMs: cfg.COORDINATOR_RETRY_BACKOFF_MAX_MS,
    progressIntervalMs: 500,
  };
  return {
    policy,
    heartbeatMs: cfg.COORDINATOR_HEARTBEAT_MS,
    staleAfterMs: cfg.COORDINATOR_HEARTBEAT_MS * cfg.COORDINATOR_HEARTBEAT_MISSES,
    recoveryMaxAgeMs: cfg.COORDINATOR_RECOVERY_MAX_AGE_MS,
    cancelWaitMs: cfg.COORDINATOR_CANCEL_WAIT_MS,
  };
}

/** The schedule a fresh database starts with (until it is changed through the API). */
export function initialSchedule(cfg: CoordinatorConfig): Schedule {
  return {
    enabled: cfg.COORDINATOR_SCHEDULE_ENABLED,
    triggerTime: cfg.COORDINATOR_SCHEDULE_TIME,
    timezone: canonicalTimeZone(cfg.COORDINATOR_SCHEDULE_TIMEZONE),
    universes: [...new Set(cfg.COORDINATOR_SCHEDULE_UNIVERSES)],
  };
}
