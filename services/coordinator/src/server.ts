import { createGrpcServer, register, type GrpcServer } from "@tickstock/common/serve.ts";
import { CoordinatorService } from "@tickstock/gen/tickstock/coordinator/v1/coordinator_pb.js";
import { createCoordinatorService, type CoordinatorServiceDeps } from "./service.ts";

/** Builds the coordinator's gRPC server (reflection, health); never listens. */
export function createServer(deps: CoordinatorServiceDeps): GrpcServer {
  return createGrpcServer({ services: [register(CoordinatorService, createCoordinatorService(deps))], log: deps.log });
}
