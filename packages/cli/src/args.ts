import { parseArgs, type ParseArgsConfig } from "node:util";
import { z } from "zod";

/**
 * The command line, parsed once with node:util parseArgs (strict: unknown options are errors)
 * and validated with zod. Pure: argv in, a typed command (or a UsageError) out.
 */

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export const PHASES = ["import", "cache_sync", "indicators", "patterns"] as const;
export const CACHE_SYNC_MODES = ["full", "market_cap", "themes", "ipos"] as const;

export const USAGE = `usage: tickstock <command> [options]

  run [--phases all|import,cache_sync,indicators,patterns] [--universe NAME] [--date YYYY-MM-DD]
      [--skip-market-check] [--watch]       start a processing run; --watch draws each phase's progress
  status                                    the active run, its phases, the last run
  history [--days N]                        runs of the last N days (1..365, default 7)
  schedule                                  the daily schedule
  schedule set [--enabled true|false] [--time HH:MM] [--timezone ZONE] [--universes a,b]
  cache-sync trigger [--mode full|market_cap|themes|ipos] [--force] [--watch]
  cache-sync status <job_id>
  cache-sync history [--limit N] [--offset N]
  events tail [--from STREAM_ID | --last N] [--follow]
                                            replay tickstock:events (default the last 20), then follow

options: --json (machine-readable output: JSON, one line per event when streaming), --help

environment: TICKSTOCK_URL (default http://localhost:8080), TICKSTOCK_API_KEY (default the
development key), REDIS_URL (default redis://127.0.0.1:6379, for run --watch and events),
TICKSTOCK_TIMEOUT_MS (default 15000)

exit codes: 0 done, 1 the server or a run answered an error, 2 usage or configuration error,
130 interrupted`;

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD").refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), "not a calendar date");
const intIn = (min: number, max: number) => z.string().regex(/^\d+$/, "expected a whole number").transform(Number).pipe(z.number().int().min(min).max(max));
const list = z.string().transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean)).pipe(z.array(z.string()).min(1, "expected a comma-separated list"));
const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, "not an IANA time zone");
const streamId = z.string().regex(/^(\d+(-\d+)?|\$)$/, "expected a stream entry id like 1737752000000-0");
const uuid = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, "expected a job id (UUID)");

export type Command =
  | { name: "help" }
  | { name: "run"; phases: string[]; universe?: string; date?: string; skipMarketCheck: boolean; watch: boolean }
  | { name: "status" }
  | { name: "history"; days?: number }
  | { name: "schedule" }
  | { name: "schedule set"; enabled?: boolean; time?: string; timezone?: string; universes?: string[] }
  | { name: "cache-sync trigger"; mode?: string; force: boolean; watch: boolean }
  | { name: "cache-sync status"; jobId: string }
  | { name: "cache-sync history"; limit?: number; offset?: number }
  | { name: "events tail"; from?: string; last?: number; follow: boolean };

export interface Parsed {
  command: Command;
  json: boolean;
}

type Options = NonNullable<ParseArgsConfig["options"]>;

interface Spec {
  options: Options;
  /** Names of the required positional arguments. */
  positionals?: string[];
  schema: z.ZodType<Command>;
}

const str = { type: "string" } as const;
const flag = { type: "boolean" } as const;

const SPECS: Record<string, Spec> = {
  run: {
    options: { phases: str, universe: str, date: str, "skip-market-check": flag, watch: flag },
    schema: z
      .object({
        phases: list.pipe(z.array(z.enum(["all", ...PHASES], { error: `each must be all or one of ${PHASES.join(", ")}` }))).optional(),
        universe: z.string().min(1).optional(),
        date: date.optional(),
        "skip-market-check": z.boolean().optional(),
        watch: z.boolean().optional(),
      })
      .transform((o) => ({ name: "run" as const, phases: o.phases ?? [], universe: o.universe, date: o.date, skipMarketCheck: o["skip-market-check"] ?? false, watch: o.watch ?? false })),
  },
  status: { options: {}, schema: z.object({}).transform(() => ({ name: "status" as const })) },
  history: { options: { days: str }, schema: z.object({ days: intIn(1, 365).optional() }).transform((o) => ({ name: "history" as const, ...o })) },
  schedule: { options: {}, schema: z.object({}).transform(() => ({ name: "schedule" as const })) },
  "schedule set": {
    options: { enabled: str, time: str, timezone: str, universes: str },
    schema: z
      .object({
        enabled: z.stringbool({ error: "expected true or false" }).optional(),
        time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "expected HH:MM (24-hour)").optional(),
        timezone: timeZone.optional(),
        universes: list.optional(),
      })
      .refine((o) => Object.values(o).some((v) => v !== undefined), "give at least one of --enabled, --time, --timezone, --universes")
      .transform((o) => ({ name: "schedule set" as const, ...o })),
  },
  "cache-sync trigger": {
    options: { mode: str, force: flag, watch: flag },
    schema: z
      .object({ mode: z.enum(CACHE_SYNC_MODES, { error: `expected one of ${CACHE_SYNC_MODES.join(", ")}` }).optional(), force: z.boolean().optional(), watch: z.boolean().optional() })
      .transform((o) => ({ name: "cache-sync trigger" as const, mode: o.mode, force: o.force ?? false, watch: o.watch ?? false })),
  },
  "cache-sync status": {
    options: {},
    positionals: ["job_id"],
    schema: z.object({ _: z.tuple([uuid]) }).transform((o) => ({ name: "cache-sync status" as const, jobId: o._[0].toLowerCase() })),
  },
  "cache-sync history": {
    options: { limit: str, offset: str },
    schema: z.object({ limit: intIn(1, 100).optional(), offset: intIn(0, 1_000_000_000).optional() }).transform((o) => ({ name: "cache-sync history" as const, ...o })),
  },
  "events tail": {
    options: { from: str, last: str, follow: flag },
    schema: z
      .object({ from: streamId.optional(), last: intIn(1, 100_000).optional(), follow: z.boolean().optional() })
      .refine((o) => o.from === undefined || o.last === undefined, "give --from or --last, not both")
      .transform((o) => ({ name: "events tail" as const, from: o.from, last: o.from === undefined ? (o.last ?? 20) : undefined, follow: o.follow ?? false })),
  },
};

const GROUPS: Record<string, string[]> = { "cache-sync": ["trigger", "status", "history"], events: ["tail"], schedule: ["set"] };

function describeIssue(issue: z.core.$ZodIssue): string {
  const name = issue.path.length > 0 && issue.path[0] !== "_" ? `--${String(issue.path[0])}: ` : "";
  return `${name}${issue.message}`;
}

export function parseCommandLine(argv: readonly string[]): Parsed {
  const args = [...argv];
  let json = false;
  if (args.includes("--help") || args.includes("-h")) return { command: { name: "help" }, json };
  // Global flags may come before the command words.
  while (args[0]?.startsWith("-")) {
    const a = args.shift()!;
    if (a === "--json") json = true;
    else throw new UsageError(`unknown option ${a} before the command`);
  }
  const word = args.shift();
  if (word === undefined || word === "help") return { command: { name: "help" }, json };
  let key = word;
  if (GROUPS[word]) {
    const sub = args[0] !== undefined && !args[0].startsWith("-") ? args[0] : undefined;
    if (sub !== undefined && GROUPS[word].includes(sub)) {
      args.shift();
      key = `${word} ${sub}`;
    } else if (word !== "schedule") {
      throw new UsageError(sub ? `unknown command "${word} ${sub}"` : `${word} needs a subcommand: ${GROUPS[word].join(", ")}`);
    }
  }
  const spec = SPECS[key];
  if (!spec) throw new UsageError(`unknown command "${word}"`);
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      options: { ...spec.options, json: flag },
      allowPositionals: true,
      strict: true,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message.split("\n")[0]!.replace(/\. To specify a positional argument.*$/, ""));
  }
  json ||= values.json === true;
  delete values.json;
  const wanted = spec.positionals ?? [];
  if (positionals.length > wanted.length) throw new UsageError(`unexpected argument "${positionals[wanted.length]}"`);
  if (positionals.length < wanted.length) throw new UsageError(`missing <${wanted[positionals.length]}>: tickstock ${key} ${wanted.map((w) => `<${w}>`).join(" ")}`);
  const input = wanted.length > 0 ? { ...values, _: positionals } : values;
  const parsed = spec.schema.safeParse(input);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map(describeIssue).join("; "));
  return { command: parsed.data, json };
}
