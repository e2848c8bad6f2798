import { createGrpcServer, register, type GrpcServer } from "@tickstock/common/serve.ts";
import { ImportService } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { createImportService, type ImportServiceDeps } from "./service.ts";

/** Builds the import service's gRPC server (reflection, health); never listens. */
export function createServer(deps: ImportServiceDeps): GrpcServer {
  return createGrpcServer({ services: [register(ImportService, createImportService(deps))], log: deps.log });
}
