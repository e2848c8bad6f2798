// The patterns of a date, kept from its indicators phase for its patterns phase. The daily run
// computes indicators and then patterns for the same date over the same bars: the patterns need
// a subset of what the indicators phase already computed for each symbol's run-date bar, so that
// phase detects them too (almost free) and the patterns phase, when nothing changed in between,
// takes them from here instead of reading every stored bar of every symbol a second time.
//
// "Nothing changed" is exact: the same run date, the same pattern settings, and the same version
// of the stored bars (DescribeBars.bars_version, bumped by every write of the bars), read before
// the indicators phase read any bar and again when the patterns phase starts. Only a completed
// indicators phase is kept (a cancelled or failed one may have missed symbols), one date at a
// time; a symbol the patterns phase asks for that the indicators phase did not cover means a full
// computation. Per process: a patterns call on another replica computes in full.
import type { BatchDetection, BatchResult, Skip } from "./batch.ts";
import type { PatternConfig } from "./compute.ts";

interface Entry {
  /** Bars the symbol had (keeps batch sizing as it is when computing). */
  bars: number;
  skip?: Omit<Skip, "index">;
  detections: Omit<BatchDetection, "index">[];
}

interface Key {
  runDate: string;
  barsVersion: bigint;
  config: string;
}

export interface PatternRecorder {
  /** Records a computed indicators batch (its result must carry the batch's detections). */
  add(symbols: readonly string[], result: BatchResult): void;
  /** The indicators phase completed: what it recorded replaces what was kept. */
  commit(): void;
}

/** Patterns of one batch of symbols, as computing them would answer. */
export type CachedBatch = (symbols: readonly string[]) => BatchResult;

export class PatternCache {
  private kept: { key: Key; entries: Map<string, Entry> } | null = null;

  /** Starts recording an indicators phase whose bars are at `barsVersion` (read before any bar). */
  record(runDate: string, barsVersion: bigint, config: PatternConfig): PatternRecorder {
    const key: Key = { runDate, barsVersion, config: configKey(config) };
    const entries = new Map<string, Entry>();
    return {
      add: (symbols, result) => {
        const share = symbols.length > 0 ? result.bars / symbols.length : 0;
        const batch: Entry[] = symbols.map(() => ({ bars: share, detections: [] }));
        for (const { index, ...skip } of result.skipped) batch[index]!.skip = skip;
        for (const { index, ...d } of result.detections) batch[index]!.detections.push(d);
        symbols.forEach((symbol, k) => entries.set(symbol, batch[k]!));
      },
      commit: () => {
        this.kept = { key, entries };
      },
    };
  }

  /**
   * The patterns of `universe` on `runDate` when an indicators phase over the same bars (same
   * version) and settings recorded every one of its symbols; else null.
   */
  lookup(runDate: string, barsVersion: bigint, config: PatternConfig, universe: readonly string[]): CachedBatch | null {
    const kept = this.kept;
    if (!kept || kept.key.runDate !== runDate || kept.key.barsVersion !== barsVersion || kept.key.config !== configKey(config)) return null;
    for (const symbol of universe) if (!kept.entries.has(symbol)) return null;
    return (symbols) => {
      const result: BatchResult = { kind: "patterns", bars: 0, skipped: [], values: new Float64Array(0), detections: [] };
      for (let k = 0; k < symbols.length; k++) {
        const entry = kept.entries.get(symbols[k]!)!;
        result.bars += entry.bars;
        if (entry.skip) result.skipped.push({ index: k, ...entry.skip });
        for (const d of entry.detections) result.detections.push({ index: k, ...d });
      }
      result.bars = Math.round(result.bars);
      return result;
    };
  }
}

function configKey(config: PatternConfig): string {
  return JSON.stringify([config.volumeSpikeMultiple, config.rsiOverbought, config.rsiOversold, config.breakoutLookbackDays]);
}
