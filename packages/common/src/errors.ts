import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema, type ErrorInfo } from "@tickstock/gen/google/rpc/error_details_pb.js";

/**
 * One error model. Handlers throw ConnectError through these helpers; the
 * details (`{"field": "mode"}`, `{"run_id": "…"}`) travel as a
 * google.rpc.ErrorInfo in grpc-status-details-bin, and the gateway turns them
 * into CONTRACT §2.4's body with the HTTP status of the one table below.
 */

export const ERROR_DOMAIN = "tickstock";

function withDetails(message: string, code: Code, reason: string, metadata: Record<string, string>): ConnectError {
  return new ConnectError(message, code, undefined, [
    { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason, domain: ERROR_DOMAIN, metadata }) },
  ]);
}

export function invalidArgument(field: string, why: string, extra: Record<string, string> = {}): ConnectError {
  return withDetails(why, Code.InvalidArgument, "INVALID_ARGUMENT", { field, ...extra });
}

export function notFound(what: string, id: string): ConnectError {
  return withDetails(`${what} ${id} not found`, Code.NotFound, "NOT_FOUND", { [`${what}_id`]: id });
}

export function alreadyExists(message: string, metadata: Record<string, string> = {}): ConnectError {
  return withDetails(message, Code.AlreadyExists, "ALREADY_EXISTS", metadata);
}

/** A conflict with the current state that the caller may retry later (409). */
export function aborted(message: string, metadata: Record<string, string> = {}): ConnectError {
  return withDetails(message, Code.Aborted, "ABORTED", metadata);
}

export function failedPrecondition(message: string, metadata: Record<string, string> = {}): ConnectError {
  return withDetails(message, Code.FailedPrecondition, "FAILED_PRECONDITION", metadata);
}

export function unavailable(message: string, metadata: Record<string, string> = {}): ConnectError {
  return withDetails(message, Code.Unavailable, "UNAVAILABLE", metadata);
}

export function resourceExhausted(message: string, metadata: Record<string, string> = {}): ConnectError {
  return withDetails(message, Code.ResourceExhausted, "RESOURCE_EXHAUSTED", metadata);
}

/** The ErrorInfo metadata carried by an error, if any. */
export function errorMetadata(err: ConnectError): Record<string, string> | undefined {
  const infos: ErrorInfo[] = err.findDetails(ErrorInfoSchema);
  if (infos.length === 0) return undefined;
  return Object.assign({}, ...infos.map((i) => i.metadata));
}

/** gRPC code → HTTP status, the table grpc-gateway, Connect and Vanguard share (STYLE.md). */
export const HTTP_STATUS: Record<Code, number> = {
  [Code.Canceled]: 499,
  [Code.Unknown]: 500,
  [Code.InvalidArgument]: 400,
  [Code.DeadlineExceeded]: 504,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.PermissionDenied]: 403,
  [Code.ResourceExhausted]: 429,
  [Code.FailedPrecondition]: 400,
  [Code.Aborted]: 409,
  [Code.OutOfRange]: 400,
  [Code.Unimplemented]: 501,
  [Code.Internal]: 500,
  [Code.Unavailable]: 503,
  [Code.DataLoss]: 500,
  [Code.Unauthenticated]: 401,
};

/** `Code.InvalidArgument` → "invalid_argument". */
export function codeName(code: Code): string {
  return Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}
