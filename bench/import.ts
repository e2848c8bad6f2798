import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { createServiceClient } from "@tickstock/common/clients.ts";
import { tradingDaysBetween, previousTradingDay, nextTradingDay } from "@tickstock/common/trading-calendar.ts";
import { ImportService } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { createProvider } from "../services/import/src/providers/index.ts";
import type { DailyBars } from "../services/import/src/providers/types.ts";
import { copyTextDateMajor } from "../services/import/src/bars-copy.ts";
import { peakRssMb, spawnService, streamResult, timed, type Figures } from "./lib.ts";
import type { BenchContext } from "./main.ts";

/** The synthetic market's calendar (its provider and every suite's dates). */
export const BENCH_CALENDAR = { specialClosures: ["2025-01-09"] };

/** The trading days of the benchmark: `days` days ending on 2025-12-31's last trading day. */
export function benchDates(days: number): { from: string; to: string; next: string } {
  let to = "2025-12-31";
  if (tradingDaysBetween(to, to, BENCH_CALENDAR).length === 0) to = previousTradingDay(to, BENCH_CALENDAR);
  let from = to;
  for (let i = 1; i < days; i++) from = previousTradingDay(from, BENCH_CALENDAR);
  return { from, to, next: nextTradingDay(to, BENCH_CALENDAR) };
}

async function runImport(address: string, fromDate: string, toDate: string) {
  const client = createServiceClient(ImportService, address, { defaultTimeoutMs: 600_000 });
  return streamResult(client.runImport({ fromDate, toDate, provider: "synthetic" }));
}

/** Plain COPY of the same rows, date-major as the provider delivers them, into an empty table shaped like ohlcv_daily. */
async function baselineCopy(adminUrl: string, batches: DailyBars[]): Promise<number> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query("DROP TABLE IF EXISTS bench_copy_baseline");
  await client.query(`CREATE TABLE bench_copy_baseline (symbol varchar(20) NOT NULL, date date NOT NULL, open float8 NOT NULL, high float8 NOT NULL,
      low float8 NOT NULL, close float8 NOT NULL, volume float8 NOT NULL, PRIMARY KEY (symbol, date))`);
  const text = [...copyTextDateMajor(batches)];
  const { seconds } = await timed(() =>
    pipeline(Readable.from(text), client.query(copyFrom("COPY bench_copy_baseline (symbol, date, open, high, low, close, volume) FROM STDIN"))),
  );
  await client.query("DROP TABLE bench_copy_baseline");
  await client.end();
  return seconds;
}

export async function benchImport(ctx: BenchContext, figures: Figures): Promise<void> {
  const { from, to, next } = benchDates(ctx.days);
  process.stderr.write(`import: ${ctx.symbols} symbols, ${from} … ${to}\n`);
  const svc = await spawnService("import", "services/import", "IMPORT_PORT", {
    DATABASE_URL: ctx.roleUrl("import"),
    REDIS_URL: ctx.redisUrl,
    IMPORT_SYNTHETIC_SYMBOLS: String(ctx.symbols),
  });
  ctx.services.import = svc;

  const backfill = await timed(() => runImport(svc.address, from, to));
  const rate = backfill.result.barsWritten / backfill.seconds;
  figures.add("import: backfill bars written", backfill.result.barsWritten, "bars");
  figures.add("import: backfill time", backfill.seconds, "s");
  figures.add("import: backfill rate", Math.round(rate), "bars/s");

  const provider = createProvider({ provider: "synthetic", seed: 20250124, symbols: ctx.symbols, calendar: BENCH_CALENDAR });
  const batches: DailyBars[] = [];
  for (const d of tradingDaysBetween(from, to, BENCH_CALENDAR)) batches.push(await provider.dailyBars(d));
  const copySeconds = await baselineCopy(ctx.adminUrl, batches);
  const rows = batches.reduce((n, b) => n + b.symbols.length, 0);
  figures.add("import: plain COPY of the same rows", Math.round(rows / copySeconds), "bars/s");
  figures.add("import: backfill rate / plain COPY rate", rate / (rows / copySeconds), "ratio", ">= 0.6");

  const again = await timed(() => runImport(svc.address, from, to));
  figures.add("import: re-import of the same range, rows written", again.result.barsWritten, "rows", "= 0");
  figures.add("import: re-import time", again.seconds, "s");

  const day = await timed(() => runImport(svc.address, next, next));
  figures.add("import: one new day, bars written", day.result.barsWritten, "bars");
  figures.add("import: one new day time", day.seconds, "s", "< 2");
  figures.add("import: service peak RSS", peakRssMb(svc.process.pid!), "MB", "< 512");
}
