import type { Redis } from "ioredis";
import { TriggerRunResponseSchema } from "@tickstock/gen/tickstock/coordinator/v1/coordinator_pb.js";
import { PHASES, type Command } from "./args.ts";
import { applyEvent, createRunView, renderOutcome, renderPhase, renderRunView, type EventEnvelope, type RunView } from "./board.ts";
import { INTERRUPTED, OutcomeError, printJson, type Context } from "./commands.ts";
import { openRedis, subscribeAll } from "./events.ts";

/**
 * `tickstock run`: triggers a run; with --watch, subscribes to the events first (so none is
 * missed), keeps the run's own (by run_id), and draws a progress line per phase until the run
 * ends. GetStatus is polled now and then in case the final event was lost.
 */

type RunCommand = Extract<Command, { name: "run" }>;

/** Redraws the board in place on a terminal; elsewhere prints a line per phase change and 10 % step. */
function createDrawer(out: NodeJS.WriteStream) {
  let drawn = 0;
  let lastDraw = 0;
  const printed = new Map<string, string>();
  let pending: NodeJS.Timeout | undefined;
  const draw = (view: RunView, force = false): void => {
    if (out.isTTY) {
      const now = Date.now();
      clearTimeout(pending);
      if (!force && now - lastDraw < 100) {
        pending = setTimeout(() => draw(view, true), 100); // the latest state is drawn even if no event follows
        return;
      }
      lastDraw = now;
      const lines = renderRunView(view);
      if (drawn > 0) out.write(`\x1b[${drawn}F`);
      out.write(lines.map((l) => `\x1b[2K${l.slice(0, (out.columns ?? 120) - 1)}\n`).join(""));
      drawn = lines.length;
      return;
    }
    if (drawn === 0) {
      out.write(`${renderRunView(view)[0]}\n`);
      drawn = 1;
    }
    for (const phase of view.phases) {
      const key = `${phase.state}:${Math.floor(phase.percent / 10)}`;
      if (phase.state === "pending" || printed.get(phase.name) === key) continue;
      printed.set(phase.name, key);
      out.write(`${renderPhase(phase)}\n`);
    }
  };
  return draw;
}

async function watch(ctx: Context, cmd: RunCommand, redis: Redis, buffered: { channel: string; envelope: EventEnvelope }[], onEvent: (fn: (channel: string, e: EventEnvelope) => void) => void, runId: string): Promise<number> {
  const planned = cmd.phases.length === 0 || cmd.phases.includes("all") ? [...PHASES] : PHASES.filter((p) => cmd.phases.includes(p));
  let view = createRunView(runId, planned);
  const draw = createDrawer(ctx.out);
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));

  const handle = (channel: string, envelope: EventEnvelope) => {
    if (envelope.payload.run_id !== runId || view.outcome) return;
    if (ctx.json) ctx.out.write(`${JSON.stringify({ channel, ...envelope })}\n`);
    view = applyEvent(view, envelope);
    if (!ctx.json) draw(view, view.outcome !== undefined);
    if (view.outcome) finish(0);
  };
  for (const { channel, envelope } of buffered.splice(0)) handle(channel, envelope);
  onEvent(handle);
  if (!ctx.json) draw(view, true);

  // The final event may be lost (Redis restarting): the run's row says how it ended.
  const poll = setInterval(() => {
    ctx.gateway.coordinator.getStatus({}, { signal: ctx.signal }).then(
      (s) => {
        const last = s.lastRun;
        if (s.runId !== runId && last?.runId === runId && ["completed", "failed", "cancelled"].includes(last.status)) {
          handle("", {
            event: `processing_${last.status}`,
            payload: { run_id: runId, duration_seconds: last.durationSeconds ?? 0, symbols_processed: last.symbolsProcessed, indicators_calculated: last.indicatorsCalculated, patterns_detected: last.patternsDetected, ...(last.error ? { error: last.error } : {}) },
          });
        }
      },
      () => undefined,
    );
  }, 5_000);
  const onAbort = () => finish(INTERRUPTED);
  ctx.signal.addEventListener("abort", onAbort);
  try {
    const code = await finished;
    if (code === INTERRUPTED) {
      process.stderr.write(`stopped watching; run ${runId} goes on (tickstock status, tickstock events tail)\n`);
      return code;
    }
    const outcome = view.outcome!;
    if (outcome.status !== "completed") throw new OutcomeError(renderOutcome(view));
    if (!ctx.json) ctx.out.write(`${renderOutcome(view)}\n`);
    return 0;
  } finally {
    clearInterval(poll);
    ctx.signal.removeEventListener("abort", onAbort);
    redis.disconnect();
  }
}

export async function run(ctx: Context, cmd: RunCommand): Promise<number> {
  const request = { phases: cmd.phases, universe: cmd.universe, runDate: cmd.date, skipMarketCheck: cmd.skipMarketCheck || undefined };
  if (!cmd.watch) {
    const res = await ctx.gateway.coordinator.triggerRun(request, { signal: ctx.signal });
    if (ctx.json) printJson(ctx, TriggerRunResponseSchema, res);
    else ctx.out.write(`run ${res.runId} ${res.status}: ${res.message}\n`);
    return 0;
  }
  // Subscribe before triggering; events that arrive before the run id is known wait in a buffer.
  const redis = await openRedis(ctx.cfg.REDIS_URL, "tickstock-cli-run");
  const buffered: { channel: string; envelope: EventEnvelope }[] = [];
  let deliver: ((channel: string, e: EventEnvelope) => void) | null = null;
  try {
    await subscribeAll(redis, (channel, envelope) => (deliver ? deliver(channel, envelope) : buffered.push({ channel, envelope })));
    const res = await ctx.gateway.coordinator.triggerRun(request, { signal: ctx.signal });
    if (!ctx.json) ctx.out.write(`run ${res.runId} ${res.status}: ${res.message}\n`);
    return await watch(ctx, cmd, redis, buffered, (fn) => (deliver = fn), res.runId);
  } finally {
    redis.disconnect();
  }
}
