import { describe, expect, it } from "vitest";
import type { BatchResult } from "./batch.ts";
import { DEFAULT_PATTERN_CONFIG } from "./compute.ts";
import { PatternCache } from "./pattern-cache.ts";

const indicatorsBatch = (): BatchResult => ({
  kind: "indicators",
  bars: 600,
  skipped: [{ index: 1, code: "TOO_SHORT", reason: "too short: 3 bars, need at least 34" }],
  values: new Float64Array(0),
  detections: [
    { index: 0, pattern: "doji", direction: "neutral", confidence: 1 },
    { index: 2, pattern: "volume_spike", direction: "bullish", confidence: 0.75 },
    { index: 2, pattern: "golden_cross", direction: "bullish", confidence: 0.5 },
  ],
});

function filled(): PatternCache {
  const cache = new PatternCache();
  const rec = cache.record("2025-03-14", 7n, DEFAULT_PATTERN_CONFIG);
  rec.add(["AAA", "BBB", "CCC"], indicatorsBatch());
  rec.commit();
  return cache;
}

describe("PatternCache", () => {
  it("answers any batch of the recorded symbols as the patterns computation would, indexed by the new batch", () => {
    const batch = filled().lookup("2025-03-14", 7n, DEFAULT_PATTERN_CONFIG, ["AAA", "BBB", "CCC"])!;
    expect(batch(["CCC", "BBB"])).toEqual({
      kind: "patterns",
      bars: 400,
      skipped: [{ index: 1, code: "TOO_SHORT", reason: "too short: 3 bars, need at least 34" }],
      values: new Float64Array(0),
      detections: [
        { index: 0, pattern: "volume_spike", direction: "bullish", confidence: 0.75 },
        { index: 0, pattern: "golden_cross", direction: "bullish", confidence: 0.5 },
      ],
    });
  });

  it("misses on another date, another bars version, other settings or a symbol not recorded", () => {
    const cache = filled();
    expect(cache.lookup("2025-03-13", 7n, DEFAULT_PATTERN_CONFIG, ["AAA"])).toBeNull();
    expect(cache.lookup("2025-03-14", 8n, DEFAULT_PATTERN_CONFIG, ["AAA"])).toBeNull();
    expect(cache.lookup("2025-03-14", 7n, { ...DEFAULT_PATTERN_CONFIG, volumeSpikeMultiple: 3 }, ["AAA"])).toBeNull();
    expect(cache.lookup("2025-03-14", 7n, DEFAULT_PATTERN_CONFIG, ["AAA", "DDD"])).toBeNull();
    expect(cache.lookup("2025-03-14", 7n, DEFAULT_PATTERN_CONFIG, ["AAA"])).not.toBeNull();
  });

  it("keeps nothing from a phase that did not complete, and only the last completed one", () => {
    const cache = filled();
    const unfinished = cache.record("2025-03-17", 9n, DEFAULT_PATTERN_CONFIG);
    unfinished.add(["AAA", "BBB", "CCC"], indicatorsBatch());
    expect(cache.lookup("2025-03-17", 9n, DEFAULT_PATTERN_CONFIG, ["AAA"])).toBeNull();
    expect(cache.lookup("2025-03-14", 7n, DEFAULT_PATTERN_CONFIG, ["AAA"])).not.toBeNull();
    unfinished.commit();
    expect(cache.lookup("2025-03-17", 9n, DEFAULT_PATTERN_CONFIG, ["AAA"])).not.toBeNull();
    expect(cache.lookup("2025-03-14", 7n, DEFAULT_PATTERN_CONFIG, ["AAA"])).toBeNull();
  });
});
