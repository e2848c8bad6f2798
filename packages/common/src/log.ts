import { pino, type Logger as PinoLogger, type DestinationStream } from "pino";

export type Logger = PinoLogger;

export interface LogOptions {
  service: string;
  level?: string;
  /** Also append the JSON lines to this file (e.g. /var/log/tickstockpl/cache_sync.log). */
  file?: string;
  /** Where lines go (tests pass a stream to read them back). Default stdout. */
  destination?: DestinationStream;
}

// A type, not an interface: it goes into an event payload, whose schema allows extra keys.
export type LoggedError = {
  message: string;
  /** RFC 3339 UTC. */
  at: string;
};

let lastError: LoggedError | null = null;

/** The newest line any logger of this process wrote at level error or fatal (system_metrics' last_error). */
export function lastLoggedError(): LoggedError | null {
  return lastError;
}

const ERROR_LEVEL = 50;
const MAX_MESSAGE = 500;

/** What a log call says: its text and, when it carries an error (`{ err }` or an Error), the error's message. */
export function describeLogCall(args: readonly unknown[]): string {
  const [first, second] = args;
  const text = typeof first === "string" ? first : typeof second === "string" ? second : undefined;
  const err = first instanceof Error ? first : (first as { err?: unknown } | null)?.err;
  const cause = err instanceof Error ? err.message : typeof err === "string" ? err : undefined;
  const message = text && cause ? `${text}: ${cause}` : (text ?? cause ?? "error");
  return message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message;
}

/**
 * Structured JSON logs. Every line carries `service`; a run's or a job's
 * lines come from `log.child({ run_id })` / `log.child({ job_id })`. Secrets
 * (API keys) are never passed to a logger; the redact list is a second guard.
 */
export function createLogger(opts: LogOptions): Logger {
  const streams: { stream: DestinationStream | NodeJS.WritableStream; level?: string }[] = [];
  streams.push({ stream: opts.destination ?? pino.destination({ dest: 1, sync: false }) });
  if (opts.file) streams.push({ stream: pino.destination({ dest: opts.file, mkdir: true, sync: false }) });
  return pino(
    {
      level: opts.level ?? "info",
      base: { service: opts.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ["apiKey", "api_key", "headers[\"x-api-key\"]", "*.apiKey", "*.api_key", "key"], censor: "[redacted]" },
      formatters: { level: (label) => ({ level: label }) },
      // Only enabled levels reach the hook: with LOG_LEVEL above error, nothing is recorded.
      hooks: {
        logMethod(args, method, level) {
          if (level >= ERROR_LEVEL) lastError = { message: describeLogCall(args), at: new Date().toISOString() };
          method.apply(this, args);
        },
      },
    },
    streams.length === 1 ? (streams[0]!.stream as DestinationStream) : pino.multistream(streams as pino.StreamEntry[]),
  );
}
