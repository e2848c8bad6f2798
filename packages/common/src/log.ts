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
    },
    streams.length === 1 ? (streams[0]!.stream as DestinationStream) : pino.multistream(streams as pino.StreamEntry[]),
  );
}
