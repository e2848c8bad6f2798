import { createGrpcServer, register, type GrpcServer } from "@tickstock/common/serve.ts";
import { AnalyticsService } from "@tickstock/gen/tickstock/analytics/v1/analytics_pb.js";
import { createAnalyticsService, type AnalyticsServiceDeps } from "./service.ts";

/** Builds the analytics service's gRPC server (reflection, health); never listens. */
export function createServer(deps: AnalyticsServiceDeps): GrpcServer {
  return createGrpcServer({ services: [register(AnalyticsService, createAnalyticsService(deps))], log: deps.log });
}
