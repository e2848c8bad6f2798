/**
 * An open-loop HTTP/1.1 load generator: requests leave at a fixed rate, evenly spaced, over many
 * keep-alive connections, whether or not earlier answers came back, as AppV2's admin pages poll
 * (each on its own 2-second timer). Latency counts from when a request was due, so a backlog (no
 * free connection, a slow server) shows in it instead of quietly lowering the rate ("coordinated
 * omission"). autocannon's own rate option sends each second's budget in one burst at the start of
 * the second, which measures the burst's queue, not the service; its closed loop (the next
 * request when the answer arrives) measures capacity, and we use it for that.
 *
 * `node --import tsx bench/open-loop.ts '<json OpenLoopOptions>'` prints an OpenLoopResult as JSON.
 */
import * as net from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";

export interface OpenLoopOptions {
  url: string;
  connections: number;
  /** Requests per second, all connections together. */
  rate: number;
  durationSeconds: number;
  headers: Record<string, string>;
  /** Sent in turn. */
  requests: { method: string; path: string }[];
  /** An answer slower than this is a timeout (default 10 s). */
  timeoutMs?: number;
}

export interface OpenLoopResult {
  sent: number;
  completed: number;
  /** Completed per second over the run. */
  throughput: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Requests that found every connection busy when due and waited for one. */
  queued: number;
  /**
   * The generator's own event-loop delay, p99 in ms: a request's send (and the reading of its
   * answer) waits that long in the generator, and that wait counts in the latency above.
   */
  generatorLoopDelayP99Ms: number;
}

interface Conn {
  socket: net.Socket;
  /** When the request in flight was due (performance.now()), or -1 when idle. */
  dueAt: number;
  buffer: Buffer;
}

/** The p-th percentile of ascending values (the nearest rank below). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function runOpenLoop(opts: OpenLoopOptions): Promise<OpenLoopResult> {
  const target = new URL(opts.url);
  const port = Number(target.port || 80);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const head = Object.entries({ host: target.host, connection: "keep-alive", ...opts.headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("");
  const wire = opts.requests.map((r) => Buffer.from(`${r.method} ${r.path} HTTP/1.1\r\n${head}\r\n`, "latin1"));

  const total = Math.floor(opts.rate * opts.durationSeconds);
  const latencies = new Float64Array(total);
  const result: OpenLoopResult = { sent: 0, completed: 0, throughput: 0, latencyMs: { p50: 0, p90: 0, p99: 0, max: 0 }, non2xx: 0, errors: 0, timeouts: 0, queued: 0, generatorLoopDelayP99Ms: 0 };
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  const idle: Conn[] = [];
  let idleHead = 0; // a FIFO: every connection takes its turn
  const waiting: number[] = []; // due times of requests that found no idle connection
  let next = 0; // index into wire
  let inFlight = 0;

  const send = (c: Conn, dueAt: number) => {
    c.dueAt = dueAt;
    inFlight++;
    result.sent++;
    c.socket.write(wire[next]!);
    next = (next + 1) % wire.length;
  };
  const release = (c: Conn) => {
    c.dueAt = -1;
    inFlight--;
    const due = waiting.shift();
    if (due !== undefined) send(c, due);
    else idle.push(c);
  };
  const finish = (c: Conn, status: number) => {
    const ms = performance.now() - c.dueAt;
    if (result.completed < latencies.length) latencies[result.completed] = ms;
    result.completed++;
    if (status < 200 || status > 299) result.non2xx++;
    release(c);
  };

  const onData = (c: Conn, chunk: Buffer) => {
    c.buffer = c.buffer.length === 0 ? chunk : Buffer.concat([c.buffer, chunk]);
    for (;;) {
      const end = c.buffer.indexOf("\r\n\r\n");
      if (end < 0 || c.dueAt < 0) return;
      const headText = c.buffer.toString("latin1", 0, end);
      const status = Number(headText.slice(9, 12));
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(headText)?.[1] ?? NaN);
      if (!Number.isFinite(length)) {
        // Only Content-Length bodies are expected from the gateway.
        result.errors++;
        c.socket.destroy();
        return;
      }
      if (c.buffer.length < end + 4 + length) return;
      c.buffer = c.buffer.subarray(end + 4 + length);
      finish(c, status);
    }
  };

  const conns = await Promise.all(
    Array.from({ length: opts.connections }, () => new Promise<Conn>((resolve, reject) => {
      const socket = net.connect({ host: target.hostname, port, noDelay: true });
      const c: Conn = { socket, dueAt: -1, buffer: Buffer.alloc(0) };
      socket.once("connect", () => resolve(c));
      socket.once("error", reject);
      socket.on("data", (chunk: Buffer) => onData(c, chunk));
    })),
  );
  for (const c of conns) {
    c.socket.removeAllListeners("error");
    c.socket.on("error", () => undefined);
    c.socket.on("close", () => {
      if (c.dueAt >= 0) {
        result.errors++;
        inFlight--;
      }
      c.dueAt = -2; // never reused
    });
    idle.push(c);
  }

  const started = performance.now();
  loopDelay.enable();
  let scheduled = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - started) / 1000) * opts.rate));
      for (; scheduled < due; scheduled++) {
        const dueAt = started + (scheduled * 1000) / opts.rate;
        let c: Conn | undefined;
        while (idleHead < idle.length && !c) {
          const candidate = idle[idleHead++]!;
          if (candidate.dueAt === -1) c = candidate;
        }
        if (idleHead > 4096 && idleHead * 2 > idle.length) {
          idle.splice(0, idleHead);
          idleHead = 0;
        }
        if (c) send(c, dueAt);
        else {
          result.queued++;
          waiting.push(dueAt);
        }
      }
      if (scheduled < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });

  // Let the last answers arrive; what is still missing after the timeout timed out.
  const deadline = performance.now() + timeoutMs;
  while ((inFlight > 0 || waiting.length > 0) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  result.timeouts = inFlight + waiting.length;
  loopDelay.disable();
  result.generatorLoopDelayP99Ms = loopDelay.percentile(99) / 1e6;
  const elapsed = (performance.now() - started) / 1000;
  for (const c of conns) c.socket.destroy();

  const sorted = latencies.subarray(0, Math.min(result.completed, latencies.length)).sort();
  result.throughput = result.completed / elapsed;
  result.latencyMs = { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.at(-1) ?? 0 };
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const cpu = process.cpuUsage();
  const result = await runOpenLoop(JSON.parse(process.argv[2] ?? "{}") as OpenLoopOptions);
  const used = process.cpuUsage(cpu);
  process.stdout.write(JSON.stringify({ ...result, generatorCpuSeconds: (used.user + used.system) / 1e6 }));
}
