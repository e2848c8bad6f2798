import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { EventPublisher } from "./events.ts";
import type { Logger } from "./log.ts";
import { initMetrics, registry } from "./metrics.ts";
import { startSystemMetrics, type ActiveRun } from "./system-metrics.ts";

/**
 * What each service's main.ts starts besides its gRPC server: the metrics registry, GET /metrics
 * on its own HTTP port (Prometheus scrapes it without speaking gRPC, and a scrape never waits
 * behind a phase call), and the periodic system_metrics event.
 */

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

async function answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const path = (req.url ?? "/").split("?", 1)[0];
  if (path !== "/metrics") {
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found: metrics are at /metrics\n");
  } else if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { "content-type": "text/plain; charset=utf-8", allow: "GET, HEAD" }).end("use GET\n");
  } else {
    const body = await registry.metrics();
    res.writeHead(200, { "content-type": registry.contentType }).end(body);
  }
}

/** Serves GET /metrics on host:port (0: any free port, for tests). */
export function serveMetrics(host: string, port: number, log: Logger): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    answer(req, res).catch((err: unknown) => {
      log.warn({ err }, "metrics scrape failed");
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end("metrics unavailable\n");
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

export interface ObservabilityOptions {
  /** The `service` label of every series and the key of the system_metrics entry. */
  service: string;
  host: string;
  /** 0: no metrics endpoint. */
  metricsPort: number;
  /** 0: no system_metrics events. */
  systemMetricsIntervalMs: number;
  publisher: EventPublisher;
  log: Logger;
  activeRun(): ActiveRun | null;
}

/**
 * Starts metrics and monitoring. A metrics port already taken (a second replica on one host) is
 * logged as an error and the service runs on without the endpoint: metrics are not worth an outage.
 */
export async function startObservability(opts: ObservabilityOptions): Promise<{ stop(): Promise<void> }> {
  initMetrics(opts.service);
  let server: MetricsServer | null = null;
  if (opts.metricsPort > 0) {
    try {
      server = await serveMetrics(opts.host, opts.metricsPort, opts.log);
      opts.log.info({ port: server.port }, "metrics at /metrics");
    } catch (err) {
      opts.log.error({ err, port: opts.metricsPort }, "metrics endpoint not started");
    }
  }
  const monitor = startSystemMetrics({ service: opts.service, publisher: opts.publisher, log: opts.log, intervalMs: opts.systemMetricsIntervalMs, activeRun: opts.activeRun });
  return {
    async stop() {
      monitor.stop();
      await server?.close();
    },
  };
}
