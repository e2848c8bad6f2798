// The worker thread's entry (worker-pool.ts): reads a batch's bars from the import service with
// its own client (bars-wire.ts), computes them (batch.ts) and posts back the run date's results. Loaded with
// `--import tsx`, so it is TypeScript like the rest of the service.
import { parentPort, workerData } from "node:worker_threads";
import { ConnectError } from "@connectrpc/connect";
import { dayNumber } from "@tickstock/common/trading-calendar.ts";
import { createRawBarsClient, readPackedSeries } from "./bars-wire.ts";
import { computeBatch } from "./batch.ts";
import type { PhaseTask, TaskError } from "./worker-pool.ts";

const port = parentPort;
if (!port) throw new Error("worker.ts runs only as a worker thread");
const client = createRawBarsClient((workerData as { importAddress: string }).importAddress);
const running = new Map<number, AbortController>();

async function run(id: number, task: PhaseTask, signal: AbortSignal): Promise<void> {
  const batch = await readPackedSeries(client, task.symbols, task.runDate, signal);
  const result = computeBatch({ kind: task.kind, alsoPatterns: task.alsoPatterns, runDay: dayNumber(task.runDate), patternConfig: task.patternConfig, batch });
  port!.postMessage({ id, result }, [result.values.buffer as ArrayBuffer]);
}

function taskError(err: unknown): TaskError {
  if (err instanceof ConnectError) return { message: err.rawMessage, code: err.code };
  return { message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
}

port.on("message", (msg: { id: number; task: PhaseTask } | { cancel: number }) => {
  if ("cancel" in msg) {
    running.get(msg.cancel)?.abort();
    return;
  }
  const controller = new AbortController();
  running.set(msg.id, controller);
  run(msg.id, msg.task, controller.signal)
    .catch((err: unknown) => port.postMessage({ id: msg.id, error: taskError(err) }))
    .finally(() => running.delete(msg.id));
});
