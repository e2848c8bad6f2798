// What a computed batch writes and publishes: the run date's indicator rows and
// indicator_calculated events, or its detections and pattern_detected events.
import type pg from "pg";
import type { EventPublisher } from "@tickstock/common/events.ts";
import { rowsWritten } from "@tickstock/common/metrics.ts";
import { INDICATOR_NAMES } from "./compute.ts";
import type { BatchResult } from "./batch.ts";
import * as store from "./store.ts";

export interface BatchOutput {
  /** The batch's symbols, in the order of the result's indexes. */
  symbols: readonly string[];
  result: BatchResult;
}

export interface WrittenBatch {
  /** Indicator values or detections stored. */
  results: number;
  /** Publishes the batch's events and counts its rows (tickstock_rows_written_total): call after the commit. */
  publish(publisher: EventPublisher): void;
}

/** Replaces the batch's rows for the run date (inside the caller's transaction). */
export async function writeBatch(client: pg.PoolClient, req: { runId: string; runDate: string }, out: BatchOutput): Promise<WrittenBatch> {
  return out.result.kind === "indicators" ? writeIndicators(client, req, out) : writeDetections(client, req, out);
}

async function writeIndicators(client: pg.PoolClient, req: { runId: string; runDate: string }, { symbols, result }: BatchOutput): Promise<WrittenBatch> {
  const skipped = new Set(result.skipped.map((s) => s.index));
  const width = INDICATOR_NAMES.length;
  const rows: store.IndicatorRow[] = [];
  let results = 0;
  for (let k = 0; k < symbols.length; k++) {
    if (skipped.has(k)) continue;
    rows.push({ symbol: symbols[k], values: result.values, offset: k * width });
    for (let j = 0; j < width; j++) if (!Number.isNaN(result.values[k * width + j])) results++;
  }
  await store.replaceIndicatorValues(client, req.runDate, req.runId, symbols, rows);
  return {
    results,
    publish(publisher) {
      rowsWritten.labels("indicator_values").inc(rows.length);
      for (const row of rows) {
        const indicators: Record<string, number> = {};
        for (let j = 0; j < width; j++) {
          const v = row.values[row.offset + j];
          if (!Number.isNaN(v)) indicators[INDICATOR_NAMES[j]] = v;
        }
        publisher.publish("indicator_calculated", { run_id: req.runId, symbol: row.symbol, date: req.runDate, indicators });
      }
    },
  };
}

async function writeDetections(client: pg.PoolClient, req: { runId: string; runDate: string }, { symbols, result }: BatchOutput): Promise<WrittenBatch> {
  const rows: store.DetectionRow[] = result.detections.map((d) => ({ symbol: symbols[d.index], pattern: d.pattern, direction: d.direction, confidence: d.confidence }));
  await store.replaceDetections(client, req.runDate, req.runId, symbols, rows);
  return {
    results: rows.length,
    publish(publisher) {
      rowsWritten.labels("pattern_detections").inc(rows.length);
      for (const r of rows) {
        publisher.publish("pattern_detected", { run_id: req.runId, symbol: r.symbol, date: req.runDate, pattern: r.pattern, direction: r.direction, confidence: r.confidence });
      }
    },
  };
}
