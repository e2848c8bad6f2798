// A small pool of worker threads, one per core. A task is a batch of symbols: the worker reads
// their bars from the import service (its own gRPC client), computes them (batch.ts) and posts
// back only the run date's results. So the bars never reach the main thread: decoding runs on
// every core, and the main thread's memory stays flat however many symbols a phase covers
// (it only writes rows and publishes events). A worker that dies fails its tasks (a bug,
// surfaced as such) and is replaced.
import { Worker } from "node:worker_threads";
import { Code, ConnectError } from "@connectrpc/connect";
import type { BatchResult, PhaseKind } from "./batch.ts";
import type { PatternConfig } from "./compute.ts";

export interface PhaseTask {
  kind: PhaseKind;
  /** indicators: also detect the run date's patterns (BatchTask.alsoPatterns). */
  alsoPatterns?: boolean;
  /** YYYY-MM-DD: bars up to it are read; only a symbol with a bar on it is computed. */
  runDate: string;
  /** At most 5000 (one ListBars batch). */
  symbols: string[];
  patternConfig: PatternConfig;
}

export interface WorkerPool {
  readonly size: number;
  /** Tasks that may run at once (reading overlaps computing inside a worker). */
  readonly capacity: number;
  /** Reads and computes a batch on a worker. Aborting drops it (queued) or stops its read. */
  run(task: PhaseTask, signal?: AbortSignal): Promise<BatchResult>;
  /** Fails pending tasks and terminates the workers. */
  close(): Promise<void>;
}

export interface WorkerPoolOptions {
  /** The import service's address: each worker opens its own client. */
  importAddress: string;
  /**
   * Old-generation heap limit of each worker, in MB. A worker holds a batch or two of bars (a
   * few MB); unbounded, V8 would let its heap grow far past that before collecting.
   */
  heapMb?: number;
}

/** What crosses the thread boundary for a failed task: a ConnectError's code survives. */
export interface TaskError {
  message: string;
  code?: Code;
}

interface Job {
  id: number;
  task: PhaseTask;
  resolve(result: BatchResult): void;
  reject(err: Error): void;
  slot?: Slot;
  /** Removes the abort listener. */
  done?: () => void;
}

interface Slot {
  worker: Worker;
  jobs: Map<number, Job>;
}

/** Tasks a worker runs at once: one reading while another computes. */
const TASKS_PER_WORKER = 2;
const WORKER_URL = new URL("./worker.ts", import.meta.url);

function toError(e: TaskError): Error {
  return e.code === undefined ? new Error(`analytics worker failed: ${e.message}`) : new ConnectError(e.message, e.code);
}

export function createWorkerPool(size: number, opts: WorkerPoolOptions): WorkerPool {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`worker pool size must be a positive integer, got ${size}`);
  const queue: Job[] = [];
  const slots: Slot[] = [];
  let nextId = 1;
  let closed = false;

  function dispatch(): void {
    for (const slot of slots) {
      while (slot.jobs.size < TASKS_PER_WORKER && queue.length > 0) {
        const job = queue.shift()!;
        job.slot = slot;
        slot.jobs.set(job.id, job);
        slot.worker.postMessage({ id: job.id, task: job.task });
      }
    }
  }

  function settle(slot: Slot, id: number, outcome: { result?: BatchResult; error?: Error }): void {
    const job = slot.jobs.get(id);
    if (!job) return;
    slot.jobs.delete(id);
    job.done?.();
    if (outcome.error) job.reject(outcome.error);
    else job.resolve(outcome.result!);
    dispatch();
  }

  function spawn(): Slot {
    // `--import tsx`: the worker is TypeScript, under node, vitest and the benchmark alike.
    const worker = new Worker(WORKER_URL, {
      execArgv: ["--import", "tsx"],
      workerData: { importAddress: opts.importAddress },
      resourceLimits: { maxOldGenerationSizeMb: opts.heapMb ?? 64, maxYoungGenerationSizeMb: 8 },
    });
    const slot: Slot = { worker, jobs: new Map() };
    worker.on("message", (msg: { id: number; result?: BatchResult; error?: TaskError }) => {
      settle(slot, msg.id, msg.error ? { error: toError(msg.error) } : { result: msg.result });
    });
    const replace = (err: Error) => {
      const index = slots.indexOf(slot);
      if (closed || index < 0) return;
      slots[index] = spawn();
      void worker.terminate();
      for (const id of slot.jobs.keys()) settle(slot, id, { error: err }); // deleting while iterating a Map is safe
    };
    worker.on("error", (err) => replace(err));
    worker.on("exit", (code) => replace(new Error(`analytics worker exited with code ${code}`)));
    return slot;
  }

  for (let i = 0; i < size; i++) slots.push(spawn());

  return {
    size,
    capacity: size * TASKS_PER_WORKER,
    run(task, signal) {
      if (closed) return Promise.reject(new Error("the worker pool is closed"));
      if (signal?.aborted) return Promise.reject(new ConnectError("cancelled", Code.Canceled));
      return new Promise<BatchResult>((resolve, reject) => {
        const job: Job = { id: nextId++, task, resolve, reject };
        if (signal) {
          const onAbort = () => {
            const queued = queue.indexOf(job);
            if (queued >= 0) {
              queue.splice(queued, 1);
              reject(new ConnectError("cancelled", Code.Canceled));
            } else job.slot?.worker.postMessage({ cancel: job.id });
          };
          signal.addEventListener("abort", onAbort, { once: true });
          job.done = () => signal.removeEventListener("abort", onAbort);
        }
        queue.push(job);
        dispatch();
      });
    },
    async close() {
      closed = true;
      const error = new Error("the worker pool is closed");
      for (const job of queue.splice(0)) job.reject(error);
      for (const slot of slots) for (const job of slot.jobs.values()) job.reject(error);
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
