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
import { isKnownSymbol, readSymbolHistory } from "./bars.ts";
import { indicatorPoints } from "./indicator-series.ts";
import { runIndicatorsPhase, runPatternsPhase, type PhaseDeps } from "./phases.ts";
import { checkIndicatorsQuery, checkPatternsQuery, checkPhaseRequest, resolveRange } from "./requests.ts";
import * as store from "./store.ts";

export interface AnalyticsServiceDeps extends PhaseDeps {
  /** Longest GetIndicators range, in calendar days. */
  maxRangeDays: number;
}

function phaseRequest(req: RunIndicatorsRequest | RunPatternsRequest) {
  const checked = checkPhaseRequest(req);
  return { ...checked, runId: checked.runId || randomUUID() };
}

export function createAnalyticsService(deps: AnalyticsServiceDeps): ServiceImpl<typeof AnalyticsService> {
  return {
    async *runIndicators(req: RunIndicatorsRequest, ctx: HandlerContext) {
      for await (const u of runIndicatorsPhase(deps, phaseRequest(req), ctx.signal)) yield { event: u };
    },

    async *runPatterns(req: RunPatternsRequest, ctx: HandlerContext) {
      for await (const u of runPatternsPhase(deps, phaseRequest(req), ctx.signal)) yield { event: u };
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
