import { RawBarsService } from "@tickstock/common/bars-wire.ts";
import { createGrpcServer, registerWire, type GrpcServer } from "@tickstock/common/serve.ts";
import { ImportService } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { createImportService, type ImportServiceDeps } from "./service.ts";

/**
 * Builds the import service's gRPC server (reflection, health); never listens. ListBars writes
 * its SymbolBars messages itself (bars-wire.ts): the service is served with RawBarsService's
 * messages, which are ImportService's on the wire.
 */
export function createServer(deps: ImportServiceDeps): GrpcServer {
  return createGrpcServer({ services: [registerWire(ImportService, RawBarsService, createImportService(deps))], log: deps.log });
}
