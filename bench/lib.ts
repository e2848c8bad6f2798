import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync, createWriteStream } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { waitForPort, freePort } from "../scripts/lib/infra.ts";

export const ROOT = fileURLToPath(new URL("../", import.meta.url));

export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** e.g. ">= 0.6", "< 2", "= 0" */
  target?: string;
}

export class Figures {
  readonly all: Figure[] = [];
  add(name: string, value: number, unit: string, target?: string): void {
    this.all.push({ name, value, unit, target });
    process.stderr.write(`  ${name}: ${format(value)} ${unit}${target ? `  (target ${target})` : ""}\n`);
  }
  print(): void {
    const rows = this.all.map((f) => [f.name, format(f.value), f.unit, f.target ?? "", f.target ? (meets(f) ? "ok" : "MISSED") : ""]);
    const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((r) => r[i]!.length), ["figure", "value", "unit", "target", ""][i]!.length));
    const line = (r: string[]) => r.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ");
    process.stdout.write(`\n${line(["figure", "value", "unit", "target", ""])}\n${widths.map((w) => "-".repeat(w)).join("  ")}\n`);
    for (const r of rows) process.stdout.write(`${line(r)}\n`);
  }
  write(meta: Record<string, unknown>): string {
    const dir = join(ROOT, "bench", "results");
    mkdirSync(dir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    const body = JSON.stringify({ ...meta, figures: this.all }, null, 2);
    const file = join(dir, `bench-${stamp}.json`);
    writeFileSync(file, body);
    writeFileSync(join(dir, "latest.json"), body);
    return file;
  }
}

function format(v: number): string {
  if (Number.isInteger(v)) return v.toLocaleString("en-US");
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(4);
}

export function meets(f: Figure): boolean {
  const m = /^(>=|<=|<|>|=)\s*([\d.]+)/.exec(f.target ?? "");
  if (!m) return true;
  const t = Number(m[2]);
  switch (m[1]) {
    case ">=": return f.value >= t;
    case "<=": return f.value <= t;
    case "<": return f.value < t;
    case ">": return f.value > t;
    default: return f.value === t;
  }
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const t0 = performance.now();
  const result = await fn();
  return { result, seconds: (performance.now() - t0) / 1000 };
}

/** Peak resident set size of a process (VmHWM), in MB. */
export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

export interface ChildService {
  name: string;
  address: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Runs a service's main.ts as its own process (so its RSS is its own), logging to bench/results/logs. */
export async function spawnService(name: string, dir: string, portEnv: string, env: NodeJS.ProcessEnv, port?: number): Promise<ChildService> {
  const p = port ?? (await freePort());
  const logs = join(ROOT, "bench", "results", "logs");
  mkdirSync(logs, { recursive: true });
  const out = createWriteStream(join(logs, `${name}.log`));
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: join(ROOT, dir),
    env: { ...process.env, ...env, [portEnv]: String(p), LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  await Promise.race([
    waitForPort(p, 60_000),
    new Promise((_, reject) => child.once("exit", (code) => reject(new Error(`${name} exited with ${code}; see bench/results/logs/${name}.log`)))),
  ]);
  return {
    name,
    port: p,
    address: `127.0.0.1:${p}`,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

type ResultOf<M> = M extends { event: infer E } ? (Extract<E, { case: "result" }> extends { value: infer V } ? V : never) : never;

/**
 * Reads a phase's or an import's stream to its end and answers its `result` event. To the end: a
 * caller that leaves at the result cancels the call, and the service's clean-up (the import's
 * lock, its record) then runs after the caller has moved on.
 */
export async function streamResult<M extends { event: { case: string | undefined } }>(stream: AsyncIterable<M>): Promise<ResultOf<M>> {
  let result: ResultOf<M> | undefined;
  for await (const m of stream) if (m.event.case === "result") result = (m.event as unknown as { value: ResultOf<M> }).value;
  if (result === undefined) throw new Error("the stream ended without a result");
  return result;
}
