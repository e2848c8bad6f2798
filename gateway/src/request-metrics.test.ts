import { describe, expect, it } from "vitest";
import { registry } from "@tickstock/common/metrics.ts";
import { createRequestMetrics, UNMATCHED_ROUTE } from "./request-metrics.ts";

async function count(labels: string): Promise<number | undefined> {
  const line = (await registry.metrics()).split("\n").find((l) => l.startsWith(`tickstock_http_request_duration_seconds_count{${labels}} `));
  return line === undefined ? undefined : Number(line.split(" ")[1]);
}

describe("createRequestMetrics", () => {
  it("records by method, route and status, one series per combination", async () => {
    const record = createRequestMetrics();
    const route = "/api/processing/cache-sync/status/{job_id}";
    record("GET", route, 200, 0.002);
    record("GET", route, 200, 0.004);
    record("GET", route, 404, 0.001);
    record("HEAD", "/health", 200, 0.001);
    expect(await count(`method="GET",route="${route}",status="200"`)).toBe(2);
    expect(await count(`method="GET",route="${route}",status="404"`)).toBe(1);
    expect(await count('method="HEAD",route="/health",status="200"')).toBe(1);
  });

  it("folds unknown methods into OTHER, so a client cannot add series with made-up methods", async () => {
    const record = createRequestMetrics();
    record("BREW", UNMATCHED_ROUTE, 404, 0.001);
    record("PROPFIND", UNMATCHED_ROUTE, 404, 0.001);
    record(undefined, UNMATCHED_ROUTE, 400, 0.001);
    expect(await count('method="OTHER",route="unmatched",status="404"')).toBe(2);
    expect(await count('method="OTHER",route="unmatched",status="400"')).toBe(1);
    expect((await registry.metrics()).includes("BREW")).toBe(false);
  });
});
