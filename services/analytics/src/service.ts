import { randomUUID } from "node:crypto";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { notFound } from "@tickstock/common/errors.ts";
import { dateFromDayNumber } from "@tickstock/common/trading-calendar.ts";
import {
  AnalyticsService,
  type GetIndicatorsRequest,
  type ListPatternsRequest,
  type RunIndicatorsRequest,
  type RunPatternsRequest,
} from "@tickstock/gen/tickstock/analytics/v1/analytics_pb.js";
import type { ActivityTracker } from "@tickstock/common/system-metrics.ts";
import { isKnownSymbol, readSymbolHistory } from "./bars.ts";
import type { PhaseKind } from "./batch.ts";
import { indicatorPoints } from "./indicator-series.ts";
import { runIndicatorsPhase, runPatternsPhase, type PhaseDeps } from "./phases.ts";
import { checkIndicatorsQuery, checkPatternsQuery, checkPhaseRequest, resolveRange } from "./requests.ts";
import * as store from "./store.ts";

export interface AnalyticsServiceDeps extends PhaseDeps {
  /** Longest GetIndicators range, in calendar days. */
  maxRangeDays: number;
  /** Where running phases are recorded (system_metrics' active_run). */
  activity?: ActivityTracker;
}

function phaseRequest(req: RunIndicatorsRequest | RunPatternsRequest) {
  const checked = checkPhaseRequest(req);
  return { ...checked, runId: checked.runId || randomUUID() };
}

/** A phase's updates as responses, the phase recorded as running until its stream ends. */
async function* tracked<T>(deps: AnalyticsServiceDeps, phase: PhaseKind, runId: string, updates: AsyncIterable<T>) {
  const ended = deps.activity?.begin({ run_id: runId, job_id: null, phase });
  try {
    for await (const u of updates) yield { event: u };
  } finally {
    ended?.();
  }
}

export function createAnalyticsService(deps: AnalyticsServiceDeps): ServiceImpl<typeof AnalyticsService> {
  return {
    runIndicators(req: RunIndicatorsRequest, ctx: HandlerContext) {
      const request = phaseRequest(req);
      return tracked(deps, "indicators", request.runId, runIndicatorsPhase(deps, request, ctx.signal));
    },

    runPatterns(req: RunPatternsRequest, ctx: HandlerContext) {
      const request = phaseRequest(req);
      return tracked(deps, "patterns", request.runId, runPatternsPhase(deps, request, ctx.signal));
    },

    // Computed from the symbol's whole bar history (indicator-series.ts says why).
    async getIndicators(req: GetIndicatorsRequest, ctx: HandlerContext) {
      const query = checkIndicatorsQuery(req, deps.maxRangeDays);
      const bars = await readSymbolHistory(deps.importClient, query.symbol, query.to, ctx.signal);
      const n = bars.day.length;
      if (n === 0 && !(await isKnownSymbol(deps.importClient, query.symbol, ctx.signal))) throw notFound("symbol", query.symbol);
      const { from, to } = resolveRange(query, n > 0 ? dateFromDayNumber(bars.day[n - 1]) : "", deps.maxRangeDays);
      return { symbol: query.symbol, from, to, points: indicatorPoints(bars, from, to) };
    },

    async listPatterns(req: ListPatternsRequest) {
      const query = checkPatternsQuery(req);
      const date = query.date || (await store.latestDetectionDate(deps.pool)) || "";
      const { rows, total } = date ? await store.listDetections(deps.pool, { ...query, date }) : { rows: [], total: 0 };
      return { date, patterns: rows, total, limit: query.limit, offset: query.offset };
    },
  };
}
