import { describe, expect, it } from "vitest";
import { buildEnvelope } from "./events.ts";
import { createActivityTracker, systemMetricsPayload, type ServiceSample } from "./system-metrics.ts";

const MB = 1024 * 1024;
const sample: ServiceSample = {
  uptimeSeconds: 3600.4,
  rssBytes: 123.456 * MB,
  heapUsedBytes: 45.04 * MB,
  activeRun: null,
  lastError: null,
};

describe("systemMetricsPayload", () => {
  it("keys the entry by the service, in whole seconds and megabytes to a tenth", () => {
    expect(systemMetricsPayload("import", sample)).toEqual({
      services: { import: { uptime_seconds: 3600, memory: { rss_mb: 123.5, heap_used_mb: 45 }, active_run: null, last_error: null } },
    });
  });

  it("carries the active run and the last error as they are", () => {
    const activeRun = { run_id: "run-1", job_id: null, phase: "indicators" };
    const lastError = { message: "phase failed: boom", at: "2026-03-09T22:00:00.000Z" };
    const entry = systemMetricsPayload("analytics", { ...sample, activeRun, lastError }).services.analytics;
    expect(entry).toMatchObject({ active_run: activeRun, last_error: lastError });
  });

  it("passes the contract's system_metrics schema, in the contract's envelope", () => {
    const envelope = buildEnvelope("system_metrics", "daily_cache_sync_job", systemMetricsPayload("cache_sync", { ...sample, activeRun: { run_id: null, job_id: "job-1" } }));
    expect(envelope).toMatchObject({ event: "system_metrics", source: "daily_cache_sync_job", version: "1.0" });
    expect(envelope.payload).toEqual(systemMetricsPayload("cache_sync", { ...sample, activeRun: { run_id: null, job_id: "job-1" } }));
  });

  it("is refused without a service's memory or with an active run that names nothing", () => {
    expect(() => buildEnvelope("system_metrics", "x", { services: { import: { uptime_seconds: 1, active_run: null, last_error: null } } } as never)).toThrow(/memory/);
    const noIds = { ...systemMetricsPayload("import", sample).services.import, active_run: { phase: "x" } };
    expect(() => buildEnvelope("system_metrics", "x", { services: { import: noIds } } as never)).toThrow(/active_run/);
  });
});

describe("createActivityTracker", () => {
  it("is idle at first and reports the oldest run still under way", () => {
    const activity = createActivityTracker();
    expect(activity.current()).toBeNull();
    const first = { run_id: "a", job_id: null };
    const endFirst = activity.begin(first);
    const endSecond = activity.begin({ run_id: "b", job_id: null });
    expect(activity.current()).toBe(first);
    endFirst();
    expect(activity.current()).toEqual({ run_id: "b", job_id: null });
    endSecond();
    expect(activity.current()).toBeNull();
  });

  it("tracks two runs of equal ids separately, and ending one twice is harmless", () => {
    const activity = createActivityTracker();
    const end1 = activity.begin({ run_id: "same", job_id: null });
    const end2 = activity.begin({ run_id: "same", job_id: null });
    end1();
    end1();
    expect(activity.current()).toEqual({ run_id: "same", job_id: null });
    end2();
    expect(activity.current()).toBeNull();
  });
});
