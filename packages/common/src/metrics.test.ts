import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { countEventPublished, grpcCallMetrics, registry } from "./metrics.ts";

/** The value of one sample line of the registry's text, or undefined when there is none. */
async function sample(line: string): Promise<number | undefined> {
  const text = await registry.metrics();
  const found = text.split("\n").find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe("grpcCallMetrics", () => {
  it("records each call by full method path and canonical code name, in seconds", async () => {
    const observe = grpcCallMetrics();
    const path = "/tickstock.test.v1.TestService/Get";
    observe({ path, code: 0 as Code, durationMs: 3 });
    observe({ path, code: 0 as Code, durationMs: 5 });
    observe({ path, code: Code.InvalidArgument, durationMs: 1 });
    observe({ path, code: Code.Canceled, durationMs: 1 });
    const labels = (code: string) => `method="${path}",code="${code}"`;
    expect(await sample(`tickstock_grpc_server_handling_seconds_count{${labels("OK")}}`)).toBe(2);
    expect(await sample(`tickstock_grpc_server_handling_seconds_sum{${labels("OK")}}`)).toBeCloseTo(0.008);
    expect(await sample(`tickstock_grpc_server_handling_seconds_bucket{le="0.005",${labels("OK")}}`)).toBe(2);
    expect(await sample(`tickstock_grpc_server_handling_seconds_count{${labels("INVALID_ARGUMENT")}}`)).toBe(1);
    expect(await sample(`tickstock_grpc_server_handling_seconds_count{${labels("CANCELLED")}}`)).toBe(1);
  });
});

describe("countEventPublished", () => {
  it("counts per event name", async () => {
    countEventPublished("import_started");
    countEventPublished("import_progress");
    countEventPublished("import_progress");
    expect(await sample('tickstock_events_published_total{event="import_progress"}')).toBe(2);
    expect(await sample('tickstock_events_published_total{event="import_started"}')).toBe(1);
  });
});
