import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";
import { freePort, waitForPort } from "../../scripts/lib/infra.ts";
import type { TestDatabase } from "./db.ts";

/**
 * The whole system as real processes (each service's main.ts, the gateway's),
 * on free ports, against a test database and the test Redis: what end-to-end
 * and fault tests drive through the gateway, and what they kill and restart.
 */

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const API_KEY = "tickstock-cache-sync-2025";

type ProcessName = "import" | "cache_sync" | "analytics" | "coordinator" | "gateway";

const LAYOUT: Record<ProcessName, { dir: string; portEnv: string; role: "import" | "cache_sync" | "analytics" | "coordinator" | "reader" }> = {
  import: { dir: "services/import", portEnv: "IMPORT_PORT", role: "import" },
  cache_sync: { dir: "services/cache-sync", portEnv: "CACHE_SYNC_PORT", role: "cache_sync" },
  analytics: { dir: "services/analytics", portEnv: "ANALYTICS_PORT", role: "analytics" },
  coordinator: { dir: "services/coordinator", portEnv: "COORDINATOR_PORT", role: "coordinator" },
  gateway: { dir: "gateway", portEnv: "GATEWAY_PORT", role: "reader" },
};

export interface RunningSystem {
  gatewayUrl: string;
  ports: Record<ProcessName, number>;
  address(name: ProcessName): string;
  /** Sends a signal (e.g. SIGKILL) and waits for the process to exit. */
  kill(name: ProcessName, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped process again on its port. */
  start(name: ProcessName): Promise<void>;
  /** JSON log lines the process wrote. */
  logFile(name: ProcessName): string;
  stop(): Promise<void>;
}

export async function startSystem(db: TestDatabase, env: Record<string, string> = {}, only: ProcessName[] = Object.keys(LAYOUT) as ProcessName[]): Promise<RunningSystem> {
  const ports = {} as Record<ProcessName, number>;
  for (const name of Object.keys(LAYOUT) as ProcessName[]) ports[name] = await freePort();
  const logDir = join(ROOT, ".data", "test-logs", db.name);
  mkdirSync(logDir, { recursive: true });
  const shared: Record<string, string> = {
    REDIS_URL: inject("redisUrl"),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "info",
    IMPORT_ADDR: `127.0.0.1:${ports.import}`,
    CACHE_SYNC_ADDR: `127.0.0.1:${ports.cache_sync}`,
    ANALYTICS_ADDR: `127.0.0.1:${ports.analytics}`,
    COORDINATOR_ADDR: `127.0.0.1:${ports.coordinator}`,
    SHUTDOWN_GRACE_MS: "2000",
    COORDINATOR_CATCH_UP: "false",
    IMPORT_SYNTHETIC_SYMBOLS: "400",
    ...env,
  };
  const children = new Map<ProcessName, ChildProcess>();

  async function start(name: ProcessName): Promise<void> {
    const { dir, portEnv, role } = LAYOUT[name];
    const out = createWriteStream(join(logDir, `${name}.log`), { flags: "a" });
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: join(ROOT, dir),
      env: { ...process.env, ...shared, DATABASE_URL: db.urlFor(role), [portEnv]: String(ports[name]), NODE_ENV: "test" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.pipe(out);
    child.stderr!.pipe(out);
    children.set(name, child);
    await Promise.race([
      waitForPort(ports[name], 60_000),
      new Promise((_, reject) => child.once("exit", (code) => reject(new Error(`${name} exited with ${code} on start; log: ${join(logDir, `${name}.log`)}`)))),
    ]);
  }

  async function kill(name: ProcessName, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const child = children.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill(signal);
    await exited;
  }

  await Promise.all(only.filter((n) => n !== "gateway" && n !== "coordinator").map(start));
  if (only.includes("coordinator")) await start("coordinator");
  if (only.includes("gateway")) await start("gateway");
  return {
    gatewayUrl: `http://127.0.0.1:${ports.gateway}`,
    ports,
    address: (name) => `127.0.0.1:${ports[name]}`,
    kill,
    start,
    logFile: (name) => join(logDir, `${name}.log`),
    async stop() {
      await Promise.all([...children.keys()].map((n) => kill(n, "SIGTERM")));
    },
  };
}

/** fetch with the development API key. */
export function api(system: RunningSystem, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${system.gatewayUrl}${path}`, { ...init, headers: { "x-api-key": API_KEY, "content-type": "application/json", ...(init.headers as Record<string, string>) } });
}
