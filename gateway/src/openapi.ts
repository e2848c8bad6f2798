import { ScalarType, type DescEnum, type DescField, type DescMessage, type DescService } from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { codeName, HTTP_STATUS } from "@tickstock/common/errors.ts";
import { protoDocs } from "@tickstock/gen/tickstock/proto_docs.js";
import { restRoutes, type RestRoute } from "./routes.ts";

/**
 * The OpenAPI 3.1 document of the REST API, generated from the same route table the gateway
 * serves (routes.ts, read from the protos' google.api.http annotations), the message
 * descriptors, and the protos' comments (gen/src/tickstock/proto_docs.ts, written by
 * `buf generate`). Response schemas describe what json.ts contractJson emits: proto field
 * names, every key present, null for an unset optional scalar or message.
 */

type Schema = Record<string, unknown>;
export type OpenApiDocument = Record<string, unknown> & { paths: Record<string, Record<string, Schema>> };

export interface OpenApiOptions {
  /** Names of the parts /health reports (its probes). */
  healthParts: readonly string[];
  /** Per-key limit of the rate-limited routes, for their descriptions. */
  triggersPerMinute?: number;
}

/** Errors a method raises by design, beyond those every route can answer (documentation only). */
const DOMAIN_ERRORS: Record<string, number[]> = {
  "tickstock.coordinator.v1.CoordinatorService.TriggerRun": [409],
  "tickstock.coordinator.v1.CoordinatorService.CancelRun": [409],
  "tickstock.cachesync.v1.CacheSyncService.GetJob": [404],
  "tickstock.analytics.v1.AnalyticsService.GetIndicators": [404],
};

/** Statuses any /api route can answer: bad input, no key, a bug, a service down or too slow. */
const COMMON_ERRORS = [400, 401, 500, 503, 504];

/** Codes the gateway itself answers, outside the code table (CONTRACT §2.4). */
const GATEWAY_CODES: Record<number, string[]> = { 405: ["method_not_allowed"], 413: ["payload_too_large"], 415: ["unsupported_media_type"] };

const doc = (name: string): string | undefined => protoDocs[name];

function firstSentence(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const end = flat.search(/\.(\s|$)/);
  return end === -1 ? flat : flat.slice(0, end + 1);
}

function scalarSchema(scalar: ScalarType): Schema {
  switch (scalar) {
    case ScalarType.BOOL:
      return { type: "boolean" };
    case ScalarType.STRING:
      return { type: "string" };
    case ScalarType.BYTES:
      return { type: "string", contentEncoding: "base64" };
    case ScalarType.DOUBLE:
      return { type: "number", format: "double" };
    case ScalarType.FLOAT:
      return { type: "number", format: "float" };
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return { type: "integer", format: "int32" };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: "integer", format: "int32", minimum: 0 };
    default:
      // 64-bit integers are strings in proto JSON.
      return { type: "string", format: "int64", pattern: "^-?[0-9]+$" };
  }
}

function enumSchema(desc: DescEnum): Schema {
  return { type: "string", enum: desc.values.map((v) => v.name) };
}

/** JSON of the well-known types the gateway may emit; undefined for our own messages. */
function wellKnownSchema(message: DescMessage): Schema | undefined {
  switch (message.typeName) {
    case "google.protobuf.Timestamp":
      return { type: "string", format: "date-time" };
    case "google.protobuf.Duration":
      return { type: "string", pattern: "^-?[0-9]+(\\.[0-9]+)?s$" };
    case "google.protobuf.Empty":
      return { type: "object", additionalProperties: false };
    default:
      if (message.typeName.startsWith("google.protobuf.") && message.typeName.endsWith("Value") && message.fields.length === 1) {
        return scalarSchema((message.fields[0] as DescField & { scalar: ScalarType }).scalar);
      }
      return message.typeName.startsWith("google.protobuf.") ? {} : undefined;
  }
}

function nullable(schema: Schema): Schema {
  if (schema.$ref !== undefined) return { oneOf: [schema, { type: "null" }] };
  if (typeof schema.type === "string") {
    const out: Schema = { ...schema, type: [schema.type, "null"] };
    if (Array.isArray(schema.enum)) out.enum = [...(schema.enum as unknown[]), null];
    return out;
  }
  return { oneOf: [schema, { type: "null" }] };
}

type Mode = "request" | "response";

/** Builds component schemas of messages, recursively, each in one mode only. */
function createSchemaRegistry() {
  const schemas: Record<string, Schema> = {};
  const modes = new Map<string, Mode>();

  function messageRef(message: DescMessage, mode: Mode): Schema {
    const wkt = wellKnownSchema(message);
    if (wkt) return wkt;
    const name = message.typeName;
    const seen = modes.get(name);
    if (seen !== undefined && seen !== mode) throw new Error(`${name} is used in a request and in a response: give each its own message`);
    if (seen === undefined) {
      modes.set(name, mode);
      schemas[name] = {}; // placeholder: recursive messages refer to it
      schemas[name] = messageSchema(message, mode);
    }
    return { $ref: `#/components/schemas/${name}` };
  }

  function elementSchema(field: DescField, mode: Mode): Schema {
    const kind = field.fieldKind === "list" ? field.listKind : field.fieldKind === "map" ? field.mapKind : field.fieldKind;
    if (kind === "message") return messageRef((field as { message: DescMessage }).message, mode);
    if (kind === "enum") return enumSchema((field as { enum: DescEnum }).enum);
    return scalarSchema((field as { scalar: ScalarType }).scalar);
  }

  function fieldSchema(field: DescField, mode: Mode): Schema {
    let schema: Schema;
    if (field.fieldKind === "list") schema = { type: "array", items: elementSchema(field, mode) };
    else if (field.fieldKind === "map") schema = { type: "object", additionalProperties: elementSchema(field, mode) };
    else {
      schema = elementSchema(field, mode);
      // contractJson: an unset message, optional scalar or oneof member is present as null.
      const hasPresence = field.fieldKind === "message" || field.oneof !== undefined || field.presence === FeatureSet_FieldPresence.EXPLICIT;
      if (mode === "response" && hasPresence) schema = nullable(schema);
    }
    const description = doc(`${field.parent.typeName}.${field.name}`);
    return description ? { ...schema, description } : schema;
  }

  function messageSchema(message: DescMessage, mode: Mode): Schema {
    const properties: Record<string, Schema> = {};
    for (const field of message.fields) properties[field.name] = fieldSchema(field, mode);
    const schema: Schema = { type: "object", properties, additionalProperties: false };
    // The gateway emits every key of a response (json.ts); a request needs none.
    if (mode === "response") schema.required = message.fields.map((f) => f.name);
    const description = doc(message.typeName);
    if (description) schema.description = description;
    return schema;
  }

  return { schemas, messageRef, fieldSchema };
}

function queryParameter(field: DescField, registry: ReturnType<typeof createSchemaRegistry>): Schema | undefined {
  // What json.ts decodeRequest accepts in a query string: scalars, and repeated scalars
  // (the parameter repeated or comma-separated).
  if (field.fieldKind === "scalar" || (field.fieldKind === "list" && field.listKind === "scalar")) {
    const { description, ...schema } = registry.fieldSchema(field, "request");
    return {
      name: field.name,
      in: "query",
      required: false,
      ...(description ? { description } : {}),
      schema,
      ...(field.fieldKind === "list" ? { style: "form", explode: true } : {}),
    };
  }
  return undefined;
}

function errorComponents(): { schema: Schema; responses: Record<string, Schema> } {
  const byStatus = new Map<number, string[]>();
  for (const code of Object.values(Code).filter((c): c is Code => typeof c === "number")) {
    const status = HTTP_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), codeName(code)]);
  }
  for (const [status, codes] of Object.entries(GATEWAY_CODES)) byStatus.set(Number(status), codes);
  const allCodes = [...byStatus.values()].flat();
  const schema: Schema = {
    type: "object",
    description: "CONTRACT §2.4: every error. Clients branch on `error.code`; `message` is for humans.",
    required: ["success", "error"],
    additionalProperties: false,
    properties: {
      success: { const: false },
      error: {
        type: "object",
        required: ["code", "message"],
        additionalProperties: false,
        properties: {
          code: { type: "string", enum: allCodes, description: "The gRPC code as its snake_case name, or one of the gateway's own." },
          message: { type: "string" },
          details: {
            type: "object",
            additionalProperties: { type: "string" },
            description: 'Optional, e.g. {"field": "mode"} on a 400, {"run_id": "…"} on a 409, {"retry_after": "12"} on a 429.',
          },
        },
      },
    },
  };
  const responses: Record<string, Schema> = {};
  for (const [status, codes] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    const response: Schema = {
      description: `Error: ${codes.join(", ")}.`,
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
    };
    if (status === 429) {
      response.headers = { "Retry-After": { description: "Seconds to wait before retrying.", schema: { type: "integer", minimum: 1 } } };
    }
    responses[String(status)] = response;
  }
  return { schema, responses };
}

function operation(route: RestRoute, registry: ReturnType<typeof createSchemaRegistry>, opts: OpenApiOptions): Schema {
  const fullName = `${route.service.typeName}.${route.method.name}`;
  const description = doc(fullName);
  const input = route.method.input;
  const parameters: Schema[] = [];
  for (const name of route.pathParams) {
    const field = input.fields.find((f) => f.name === name);
    if (!field) throw new Error(`${route.template}: {${name}} is not a field of ${input.typeName}`);
    const { description: d, ...schema } = registry.fieldSchema(field, "request");
    parameters.push({ name, in: "path", required: true, ...(d ? { description: d } : {}), schema });
  }
  if (route.body === "") {
    for (const field of input.fields) {
      if (route.pathParams.includes(field.name)) continue;
      const param = queryParameter(field, registry);
      if (param) parameters.push(param);
    }
  }
  const errors = new Set([...COMMON_ERRORS, ...(DOMAIN_ERRORS[fullName] ?? [])]);
  if (route.pathParams.length > 0) errors.add(404);
  if (route.body !== "") [413, 415].forEach((s) => errors.add(s));
  if (route.rateLimited) errors.add(429);
  const responses: Record<string, Schema> = {
    [String(route.successStatus)]: {
      description: route.successStatus === 202 ? "Accepted: started in the background." : "OK",
      content: { "application/json": { schema: registry.messageRef(route.method.output, "response") } },
    },
  };
  for (const status of [...errors].sort((a, b) => a - b)) responses[String(status)] = { $ref: `#/components/responses/${status}` };
  let text = description ?? route.method.name;
  if (route.rateLimited) {
    text += `\n\nRate limited per API key (a token bucket${opts.triggersPerMinute ? `, ${opts.triggersPerMinute} a minute` : ""}): past it, 429 \`resource_exhausted\` with \`Retry-After\`.`;
  }
  const op: Schema = {
    operationId: `${route.service.name}_${route.method.name}`,
    summary: description ? firstSentence(description) : route.method.name,
    description: `${text}\n\ngRPC / Connect: \`${route.service.typeName}/${route.method.name}\`.`,
    tags: [route.service.name],
    security: [{ ApiKey: [] }],
  };
  if (parameters.length > 0) op.parameters = parameters;
  if (route.body !== "") {
    const schema = route.body === "*" ? registry.messageRef(input, "request") : registry.fieldSchema(input.fields.find((f) => f.name === route.body)!, "request");
    op.requestBody = { required: false, content: { "application/json": { schema } } };
  }
  op.responses = responses;
  return op;
}

function healthPath(parts: readonly string[]): { schema: Schema; path: Record<string, Schema> } {
  const part = { type: "string", enum: ["serving", "not_serving", "unavailable"] };
  const schema = {
    type: "object",
    required: ["status", "services"],
    additionalProperties: false,
    properties: {
      status: { type: "string", enum: ["healthy", "degraded"] },
      services: { type: "object", required: [...parts], additionalProperties: false, properties: Object.fromEntries(parts.map((p) => [p, part])) },
    },
  };
  const content = { "application/json": { schema: { $ref: "#/components/schemas/Health" } } };
  return {
    schema,
    path: {
      get: {
        operationId: "Gateway_Health",
        summary: "Health of every service, PostgreSQL and Redis.",
        description: "Each part is checked in parallel with a short deadline (grpc.health.v1 for the services). No key needed.",
        tags: ["Gateway"],
        security: [],
        responses: { "200": { description: "Every part is serving.", content }, "503": { description: "`degraded`: the parts that are down are named.", content } },
      },
    },
  };
}

/** The OpenAPI 3.1 document of every REST route of `services`, plus /health. */
export function buildOpenApi(services: readonly DescService[], opts: OpenApiOptions): OpenApiDocument {
  const registry = createSchemaRegistry();
  const paths: Record<string, Record<string, Schema>> = {};
  for (const route of restRoutes(services)) {
    (paths[route.template] ??= {})[route.httpMethod.toLowerCase()] = operation(route, registry, opts);
  }
  const health = healthPath(opts.healthParts);
  paths["/health"] = health.path;
  const errors = errorComponents();
  return {
    openapi: "3.1.0",
    info: {
      title: "TickStockPL API",
      version: "v1",
      description: [
        "REST/JSON of TickStockPL, generated from the protos' `google.api.http` annotations and comments.",
        "JSON is proto JSON with proto field names; every documented key is present, `null` when it has no value; timestamps are RFC 3339 UTC.",
        "Every `/api` path needs the `X-API-Key` header. The same RPCs are served over Connect, gRPC and gRPC-Web on the same port (`POST /<package>.<Service>/<Method>`).",
        "This document is served, without a key, at `GET /openapi.json`.",
      ].join("\n\n"),
    },
    tags: [...services.filter((s) => restRoutes([s]).length > 0).map((s) => ({ name: s.name, ...(doc(s.typeName) ? { description: doc(s.typeName) } : {}) })), { name: "Gateway" }],
    paths,
    components: {
      schemas: { ...registry.schemas, Health: health.schema, Error: errors.schema },
      responses: errors.responses,
      securitySchemes: { ApiKey: { type: "apiKey", in: "header", name: "X-API-Key", description: "One of the gateway's configured keys (API_KEYS)." } },
    },
  };
}
