/**
 * `tickstock`, the operator CLI: parse, dispatch, and turn every failure into one line on stderr
 * and an exit code (1 the server or a run said no, 2 usage or configuration, 130 Ctrl-C).
 */
import { ConnectError } from "@connectrpc/connect";
import { ConfigError } from "@tickstock/common/config.ts";
import { parseCommandLine, USAGE, UsageError, type Command } from "./args.ts";
import { createGatewayClients, describeCallError } from "./client.ts";
import * as commands from "./commands.ts";
import { loadCliConfig, type CliConfig } from "./config.ts";
import { RedisUnreachable } from "./events.ts";
import { run } from "./run.ts";
import { tail } from "./tail.ts";

function dispatch(ctx: commands.Context, command: Command): Promise<number> {
  switch (command.name) {
    case "help":
      ctx.out.write(`${USAGE}\n`);
      return Promise.resolve(0);
    case "run":
      return run(ctx, command);
    case "status":
      return commands.status(ctx);
    case "history":
      return commands.history(ctx, command);
    case "schedule":
      return commands.schedule(ctx);
    case "schedule set":
      return commands.scheduleSet(ctx, command);
    case "cache-sync trigger":
      return commands.cacheSyncTrigger(ctx, command);
    case "cache-sync status":
      return commands.cacheSyncStatus(ctx, command);
    case "cache-sync history":
      return commands.cacheSyncHistory(ctx, command);
    case "events tail":
      return tail(ctx, command);
  }
}

function fail(message: string, code: number): number {
  process.stderr.write(`tickstock: ${message.replace(/\s*\n\s*/g, " ")}\n`);
  return code;
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  let cfg: CliConfig;
  try {
    parsed = parseCommandLine(argv);
    cfg = loadCliConfig();
  } catch (err) {
    if (err instanceof UsageError) return fail(`${err.message} (tickstock --help)`, 2);
    if (err instanceof ConfigError) return fail(err.message, 2);
    throw err;
  }
  const abort = new AbortController();
  process.once("SIGINT", () => abort.abort());
  const ctx: commands.Context = { out: process.stdout, cfg, gateway: createGatewayClients(cfg), json: parsed.json, signal: abort.signal };
  try {
    return await dispatch(ctx, parsed.command);
  } catch (err) {
    if (abort.signal.aborted) return commands.INTERRUPTED;
    if (err instanceof commands.OutcomeError || err instanceof RedisUnreachable) return fail(err.message, 1);
    if (err instanceof ConnectError) return fail(describeCallError(err, cfg), 1);
    return fail(`unexpected error: ${(err as Error).message ?? String(err)}`, 1);
  }
}

const code = await main(process.argv.slice(2));
// Flush stdout before leaving (a pipe may be slow); open handles must not keep the CLI alive.
process.stdout.write("", () => process.exit(code));
