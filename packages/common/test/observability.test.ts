// startObservability as each service's main.ts calls it: the metrics port, and what happens when
// that port is taken.
import { createServer, type Server } from "node:net";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Redis } from "ioredis";
import { createEventPublisher, createRedis, type EventPublisher } from "@tickstock/common/events.ts";
import { createLogger, lastLoggedError } from "@tickstock/common/log.ts";
import { startObservability } from "@tickstock/common/observability.ts";
import { freePort } from "../../../scripts/lib/infra.ts";
import { parseMetrics, sampleValue } from "../../../test/support/metrics.ts";
import { captureEvents } from "../../../test/support/redis.ts";

const log = createLogger({ service: "observability-test", level: "error", destination: new Writable({ write: (_c, _e, done) => done() }) as never });
let redis: Redis;
let publisher: EventPublisher;

beforeAll(() => {
  redis = createRedis(inject("redisUrl"), log, "observability-test");
  publisher = createEventPublisher({ redis, source: "observability_test", streamMaxLen: 1000, log });
});

afterAll(async () => {
  await publisher.close();
  redis.disconnect();
});

const options = () => ({ service: "probe", host: "127.0.0.1", publisher, log, activeRun: () => null });

describe("startObservability", () => {
  it("serves GET /metrics on the port with the service label, and stops serving when stopped", async () => {
    const port = await freePort();
    const obs = await startObservability({ ...options(), metricsPort: port, systemMetricsIntervalMs: 0 });
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(sampleValue(parseMetrics(await res.text()), "nodejs_heap_size_used_bytes", { service: "probe" })).toBeGreaterThan(0);
    await obs.stop();
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });

  it("runs on without the endpoint when the port is taken, logging it as an error, and still publishes system_metrics", async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as { port: number }).port;
    const capture = await captureEvents("tickstock:monitoring");
    const obs = await startObservability({ ...options(), metricsPort: port, systemMetricsIntervalMs: 1000 });
    try {
      expect(lastLoggedError()?.message).toMatch(/^metrics endpoint not started: listen EADDRINUSE/);
      const [event] = await capture.waitFor((evs) => evs.some((e) => e.source === "observability_test"), 5_000);
      expect(event).toMatchObject({ event: "system_metrics", payload: { services: { probe: { active_run: null, last_error: { message: expect.stringMatching(/EADDRINUSE/) } } } } });
    } finally {
      await obs.stop();
      await capture.close();
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
