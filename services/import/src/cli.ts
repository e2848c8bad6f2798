/**
 * Operator backfill: `npm run import -- --from 2025-01-02 --to 2025-12-31 [--provider synthetic|massive|csv]
 * [--addr 127.0.0.1:50052] [--bars-only]`. Talks to the running import service
 * over gRPC (one writer, the same events), with a progress bar on a terminal.
 */
import { parseArgs } from "node:util";
import { ConnectError } from "@connectrpc/connect";
import { createServiceClient } from "@tickstock/common/clients.ts";
import { ImportService } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { progressBar } from "@tickstock/common/progress.ts";

const usage = "usage: npm run import -- --from YYYY-MM-DD [--to YYYY-MM-DD] [--provider synthetic|massive|csv] [--addr host:port] [--bars-only]";

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: {
      from: { type: "string" },
      to: { type: "string" },
      provider: { type: "string", default: "" },
      addr: { type: "string", default: process.env.IMPORT_ADDR ?? "127.0.0.1:50052" },
      "bars-only": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  }).values;
} catch (err) {
  fail(`${(err as Error).message}\n${usage}`);
}
if (args.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
if (!args.from) fail(`--from is required\n${usage}`);

const client = createServiceClient(ImportService, args.addr!);
const bar = progressBar(process.stderr);
try {
  for await (const msg of client.runImport({ fromDate: args.from, toDate: args.to ?? "", provider: args.provider, skipSymbols: args["bars-only"] })) {
    if (msg.event.case === "progress") bar.update(msg.event.value.percentComplete, `${msg.event.value.currentDate}  eta ${Math.round(msg.event.value.etaSeconds)} s`);
    if (msg.event.case === "result") {
      const r = msg.event.value;
      bar.done(`${r.tradingDays} trading days, ${r.barsReceived} bars received, ${r.barsWritten} written, ${r.barsRejected} rejected, in ${r.durationSeconds.toFixed(1)} s`);
      for (const line of r.rejections) process.stderr.write(`  rejected: ${line}\n`);
    }
  }
} catch (err) {
  const e = ConnectError.from(err);
  fail(`import failed: ${e.rawMessage} (${e.code === 14 ? "is the import service running at " + args.addr + "?" : "code " + e.code})`);
}
