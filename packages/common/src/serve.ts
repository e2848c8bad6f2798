import { once } from "node:events";
import * as grpc from "@grpc/grpc-js";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation } from "grpc-health-check";
import { create, fromBinary, toBinary, type DescFile, type DescMessage, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createHandlerContext, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { file_grpc_health_v1_health } from "@tickstock/gen/grpc/health/v1/health_pb.js";
import { invalidArgument } from "./errors.ts";
import type { Logger } from "./log.ts";
import { grpcCallMetrics } from "./metrics.ts";

/**
 * The gRPC bootstrap every service uses: a @grpc/grpc-js server (so
 * reflection and health come from kept packages) running handlers written
 * with Connect's typing (ServiceImpl, ConnectError, async generators), one
 * adapter in between, and graceful shutdown.
 */

/** A grpc-js service definition built from a protobuf-es descriptor. */
export function grpcServiceDefinition(service: DescService): grpc.ServiceDefinition {
  const def: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const m of service.methods) {
    def[m.localName] = {
      path: `/${service.typeName}/${m.name}`,
      requestStream: m.methodKind === "client_streaming" || m.methodKind === "bidi_streaming",
      responseStream: m.methodKind === "server_streaming" || m.methodKind === "bidi_streaming",
      requestSerialize: (msg) => Buffer.from(toBinary(m.input, msg as never)),
      requestDeserialize: (buf: Buffer) => {
        try {
          return fromBinary(m.input, buf);
        } catch (err) {
          // grpc-js would answer INTERNAL; bad bytes from a client are its error.
          return new UndecodableRequest(err instanceof Error ? err.message : String(err));
        }
      },
      responseSerialize: (msg) => Buffer.from(toBinary(m.output, msg as never)),
      responseDeserialize: (buf: Buffer) => fromBinary(m.output, buf),
      originalName: m.name,
    };
  }
  return def;
}

/** A request whose bytes did not decode as the method's input message. */
class UndecodableRequest {
  constructor(readonly reason: string) {}
}

/** The path of the first string (field, list element, map key or value) holding a NUL, which PostgreSQL cannot store. */
function nulStringField(schema: DescMessage, msg: Record<string, unknown>, prefix = ""): string | undefined {
  const hasNul = (v: unknown) => typeof v === "string" && v.includes("\u0000");
  for (const field of schema.fields) {
    const value = msg[field.localName];
    const path = prefix + field.name;
    if (field.fieldKind === "scalar" && hasNul(value)) return path;
    if (field.fieldKind === "list" && Array.isArray(value)) {
      if (field.listKind === "scalar" && value.some(hasNul)) return path;
      if (field.listKind === "message") for (const v of value) {
        const inner = nulStringField(field.message, v as Record<string, unknown>, `${path}.`);
        if (inner) return inner;
      }
    }
    if (field.fieldKind === "map" && value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) {
        if (hasNul(k) || hasNul(v)) return path;
        if (field.mapKind === "message") {
          const inner = nulStringField(field.message, v as Record<string, unknown>, `${path}.`);
          if (inner) return inner;
        }
      }
    }
    if (field.fieldKind === "message" && value && typeof value === "object") {
      const inner = nulStringField(field.message, value as Record<string, unknown>, `${path}.`);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** Boundary checks every method gets before its handler: decodable bytes, no NUL in strings. */
function checkRequest(method: DescMethod, request: unknown): void {
  if (request instanceof UndecodableRequest) throw invalidArgument("request", `the request is not a valid ${method.input.typeName}: ${request.reason}`);
  const field = nulStringField(method.input, request as Record<string, unknown>);
  if (field) throw invalidArgument(field, `${field} must not contain NUL characters`);
}

export interface CallInfo {
  method: DescMethod;
  ctx: HandlerContext;
}

/** Observes every call (logging, metrics): called once per call when it ends. */
export type CallObserver = (info: { path: string; code: Code; durationMs: number; error?: unknown }) => void;

function metadataToHeaders(md: grpc.Metadata): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(md.getMap())) {
    if (typeof value === "string") headers.set(key, value);
  }
  return headers;
}

function toServiceError(err: unknown, log: Logger, path: string): grpc.ServerErrorResponse {
  if (!(err instanceof ConnectError)) {
    // A bug: log the cause, answer Internal without its text.
    log.error({ err, rpc: path }, "unhandled error in handler");
    return Object.assign(new Error("internal error"), { code: grpc.status.INTERNAL, details: "internal error" });
  }
  const metadata = new grpc.Metadata();
  const trailer = setTrailerStatus(new Headers(), err);
  const bin = trailer.get("grpc-status-details-bin");
  if (bin) metadata.set("grpc-status-details-bin", Buffer.from(bin, "base64"));
  return Object.assign(new Error(err.rawMessage), { code: err.code as number, details: err.rawMessage, metadata });
}

function contextFor(service: DescService, method: DescMethod, call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>) {
  const deadline = call.getDeadline();
  const deadlineMs = deadline instanceof Date ? deadline.getTime() : Number(deadline);
  const timeoutMs = Number.isFinite(deadlineMs) ? Math.max(1, deadlineMs - Date.now()) : undefined;
  const requestAbort = new AbortController();
  call.on("cancelled", () => requestAbort.abort(new ConnectError("cancelled by the client", Code.Canceled)));
  return createHandlerContext({
    service,
    method,
    protocolName: "grpc",
    requestMethod: "POST",
    url: `/${service.typeName}/${method.name}`,
    timeoutMs,
    requestSignal: requestAbort.signal,
    requestHeader: metadataToHeaders(call.metadata),
  });
}

/**
 * The abort reason of a call that ended: handlers' leftover listeners and timers are released.
 * One shared error: aborting without a reason builds a DOMException (and its stack) per call.
 */
const CALL_ENDED = new ConnectError("the call ended", Code.Canceled);

/** Turns Connect-typed handlers into grpc-js handlers (unary and server streaming). */
export function adaptService<S extends DescService>(
  service: S,
  impl: Partial<ServiceImpl<S>>,
  log: Logger,
  observe?: CallObserver,
): grpc.UntypedServiceImplementation {
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const method of service.methods) {
    const fn = (impl as Record<string, unknown>)[method.localName] as
      | ((req: unknown, ctx: HandlerContext) => unknown)
      | undefined;
    const path = `/${service.typeName}/${method.name}`;
    const finish = (started: number, code: Code, error?: unknown) =>
      observe?.({ path, code, durationMs: performance.now() - started, error });
    if (method.methodKind === "unary") {
      handlers[method.localName] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const started = performance.now();
        if (!fn) return callback({ code: grpc.status.UNIMPLEMENTED, details: `${method.name} is not implemented` });
        const ctx = contextFor(service, method, call);
        Promise.resolve()
          .then(() => (checkRequest(method, call.request), fn(call.request, ctx)))
          .then(
            (res) => {
              finish(started, 0 as Code);
              callback(null, create(method.output, res as never));
            },
            (err) => {
              const se = toServiceError(err, log, path);
              finish(started, (se.code ?? Code.Unknown) as unknown as Code, err);
              callback(se);
            },
          )
          .finally(() => ctx.abort(CALL_ENDED));
      };
    } else if (method.methodKind === "server_streaming") {
      handlers[method.localName] = async (call: grpc.ServerWritableStream<unknown, unknown>) => {
        const started = performance.now();
        if (!fn) {
          call.emit("error", { code: grpc.status.UNIMPLEMENTED, details: `${method.name} is not implemented` });
          return;
        }
        const ctx = contextFor(service, method, call);
        try {
          checkRequest(method, call.request);
          for await (const out of fn(call.request, ctx) as AsyncIterable<unknown>) {
            if (ctx.signal.aborted) break;
            if (!call.write(create(method.output, out as never))) await once(call, "drain", { signal: ctx.signal }).catch(() => undefined);
          }
          if (ctx.signal.aborted && call.cancelled) {
            finish(started, Code.Canceled);
            return;
          }
          finish(started, 0 as Code);
          call.end();
        } catch (err) {
          const se = toServiceError(err, log, path);
          finish(started, (se.code ?? Code.Unknown) as unknown as Code, err);
          if (!call.cancelled) call.emit("error", se);
        } finally {
          ctx.abort(CALL_ENDED);
        }
      };
    }
  }
  return handlers;
}

function filesWithDependencies(roots: DescFile[]): DescFile[] {
  const seen = new Set<string>();
  const ordered: DescFile[] = [];
  const visit = (f: DescFile) => {
    if (seen.has(f.name)) return;
    seen.add(f.name);
    for (const dep of f.dependencies) visit(dep);
    ordered.push(f);
  };
  roots.forEach(visit);
  return ordered;
}

/** @grpc/reflection fed from protobuf-es descriptors (it only reads fileDescriptorProtos). */
function reflectionFor(services: DescService[]): ReflectionService {
  const pkg: Record<string, { fileDescriptorProtos: Buffer[] }> = {};
  const all = [...services, ...file_grpc_health_v1_health.services];
  for (const service of all) {
    const files = filesWithDependencies([service.file]);
    pkg[service.typeName] = { fileDescriptorProtos: files.map((f) => Buffer.from(toBinary(FileDescriptorProtoSchema, f.proto))) };
  }
  return new ReflectionService(pkg as never);
}

export interface ServiceRegistration {
  service: DescService;
  impl: object;
  /** The descriptor the messages are (de)serialized with, when not `service` (registerWire). */
  wire?: DescService;
}

/** Pairs a service with its handlers, type-checked against the service. */
export function register<S extends DescService>(service: S, impl: Partial<ServiceImpl<S>>): ServiceRegistration {
  return { service, impl };
}

/**
 * Like register, with the messages (de)serialized by `wire`: a descriptor of the same service whose
 * messages have the same wire format but other field types (e.g. a message field read as bytes, see
 * bars-wire.ts). Reflection still describes `service`.
 */
export function registerWire(service: DescService, wire: DescService, impl: object): ServiceRegistration {
  if (wire.typeName !== service.typeName || wire.methods.map((m) => m.name).join() !== service.methods.map((m) => m.name).join()) {
    throw new Error(`${wire.typeName} is not a wire descriptor of ${service.typeName}`);
  }
  return { service, impl, wire };
}

export interface GrpcServer {
  readonly server: grpc.Server;
  readonly health: HealthImplementation;
  /** Binds and starts; resolves with the bound port (pass 0 for any free port). */
  listen(host: string, port: number): Promise<number>;
  /** Health NOT_SERVING, stop accepting, wait for in-flight calls up to graceMs, then cancel them. */
  shutdown(graceMs: number): Promise<void>;
}

/** `observe` defaults to the process's gRPC metrics (tickstock_grpc_server_handling_seconds). */
export function createGrpcServer(opts: { services: ServiceRegistration[]; log: Logger; observe?: CallObserver }): GrpcServer {
  const observe = opts.observe ?? grpcCallMetrics();
  const server = new grpc.Server({
    "grpc.max_receive_message_length": 16 * 1024 * 1024,
    "grpc.max_send_message_length": 64 * 1024 * 1024,
    "grpc.keepalive_permit_without_calls": 1,
  });
  const statusMap: Record<string, "SERVING"> = { "": "SERVING" };
  for (const { service, impl, wire = service } of opts.services) {
    server.addService(grpcServiceDefinition(wire), adaptService(wire, impl as Partial<ServiceImpl<DescService>>, opts.log, observe));
    statusMap[service.typeName] = "SERVING";
  }
  const health = new HealthImplementation(statusMap);
  health.addToServer(server);
  reflectionFor(opts.services.map((s) => s.service)).addToServer(server);

  return {
    server,
    health,
    listen(host, port) {
      return new Promise((resolve, reject) => {
        server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)));
      });
    },
    async shutdown(graceMs) {
      for (const key of Object.keys(statusMap)) health.setStatus(key, "NOT_SERVING");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

/**
 * Runs `stop` once on SIGTERM or SIGINT (a second signal exits at once), then
 * exits 0 — or 1 when stopping failed.
 */
export function onShutdown(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, "shutting down");
    stop().then(
      () => {
        log.info("stopped");
        log.flush?.();
        process.exit(0);
      },
      (err) => {
        log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", handler);
  process.on("SIGINT", handler);
}
