import { createServiceClient } from "@tickstock/common/clients.ts";
import { AnalyticsService } from "@tickstock/gen/tickstock/analytics/v1/analytics_pb.js";
import { measureComputeThroughput } from "../services/analytics/src/compute-speed.ts";
import { previousTradingDay } from "@tickstock/common/trading-calendar.ts";
import { BENCH_CALENDAR, benchDates } from "./import.ts";
import { peakRssMb, spawnService, streamResult, timed, type Figures } from "./lib.ts";
import type { BenchContext } from "./main.ts";

export async function benchAnalytics(ctx: BenchContext, figures: Figures): Promise<void> {
  if (!ctx.services.import) throw new Error("the analytics suite needs the import suite first (its bars)");
  const pure = measureComputeThroughput(Math.min(ctx.symbols, 10_000), ctx.days);
  figures.add("analytics: pure computation, indicators + patterns", Math.round(pure.barsPerSecond), "bars/s", ">= 2550000");
  figures.add("analytics: pure computation, values", Math.round(pure.valuesPerSecond), "values/s");

  const svc = await spawnService("analytics", "services/analytics", "ANALYTICS_PORT", {
    DATABASE_URL: ctx.roleUrl("analytics"),
    REDIS_URL: ctx.redisUrl,
    IMPORT_ADDR: ctx.services.import.address,
  });
  ctx.services.analytics = svc;
  const client = createServiceClient(AnalyticsService, svc.address, { defaultTimeoutMs: 600_000 });
  const { to } = benchDates(ctx.days);
  const runId = "bench-analytics";

  const indicators = await timed(() => streamResult(client.runIndicators({ runId, runDate: to, universe: "all" })));
  const patterns = await timed(() => streamResult(client.runPatterns({ runId, runDate: to, universe: "all" })));
  // The same phase for the day before, which no indicators phase preceded: it reads every bar.
  const dayBefore = previousTradingDay(to, BENCH_CALENDAR);
  const alone = await timed(() => streamResult(client.runPatterns({ runId: `${runId}-alone`, runDate: dayBefore, universe: "all" })));
  figures.add("analytics: indicators phase (read, compute, write, publish; detects the patterns too)", indicators.seconds, "s");
  figures.add("analytics: indicators calculated", indicators.result.indicatorsCalculated, "values");
  figures.add("analytics: patterns phase after it, same date and bars (write, publish)", patterns.seconds, "s");
  figures.add("analytics: patterns detected", patterns.result.patternsDetected, "patterns");
  figures.add("analytics: both phases", indicators.seconds + patterns.seconds, "s", "< 10");
  figures.add("analytics: patterns phase alone, another date (read, compute, write, publish)", alone.seconds, "s");
  figures.add("analytics: indicators phase + patterns phase alone", indicators.seconds + alone.seconds, "s");
  figures.add("analytics: service peak RSS", peakRssMb(svc.process.pid!), "MB", "< 512");
}
