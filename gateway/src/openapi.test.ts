import { create, fromJson, ScalarType, type DescField, type DescMessage, type JsonValue } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { protoDocs } from "@tickstock/gen/tickstock/proto_docs.js";
import { AnalyticsService } from "@tickstock/gen/tickstock/analytics/v1/analytics_pb.js";
import { CacheSyncService } from "@tickstock/gen/tickstock/cachesync/v1/cache_sync_pb.js";
import { CoordinatorService } from "@tickstock/gen/tickstock/coordinator/v1/coordinator_pb.js";
import { ImportService } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { validateSchema } from "../test/json-schema.ts";
import { contractJson } from "./json.ts";
import { buildOpenApi } from "./openapi.ts";
import { restRoutes } from "./routes.ts";

// CONTRACT.md §2, by hand: the document is generated, this list is what it must say.
const CONTRACT_OPERATIONS = [
  "POST /api/processing/cache-sync/trigger",
  "GET /api/processing/cache-sync/status/{job_id}",
  "GET /api/processing/cache-sync/history",
  "GET /api/processing/cache-sync/stats",
  "POST /api/processing/trigger-manual",
  "GET /api/processing/status",
  "GET /api/processing/history",
  "DELETE /api/processing/cancel",
  "GET /api/processing/schedule",
  "POST /api/processing/schedule",
  "GET /health",
  "GET /api/analytics/indicators/{symbol}",
  "GET /api/analytics/patterns",
];

const SERVICES = [CoordinatorService, ImportService, CacheSyncService, AnalyticsService];
const HEALTH_PARTS = ["coordinator", "import", "cache_sync", "analytics", "postgres", "redis"];
const spec = buildOpenApi(SERVICES, { healthParts: HEALTH_PARTS, triggersPerMinute: 30 });
type Op = Record<string, any>;
const op = (method: string, path: string): Op => spec.paths[path]![method.toLowerCase()] as Op;
const operations = () => Object.entries(spec.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));

/** Proto JSON of a message with every field set (one element per list and map, one oneof member). */
function sampleJson(message: DescMessage, depth = 0): Record<string, JsonValue> {
  const json: Record<string, JsonValue> = {};
  const seenOneofs = new Set<string>();
  for (const field of message.fields) {
    if (field.oneof) {
      if (seenOneofs.has(field.oneof.name)) continue;
      seenOneofs.add(field.oneof.name);
    }
    const value = sampleValue(field, depth);
    if (value !== undefined) json[field.name] = field.fieldKind === "list" ? [value] : field.fieldKind === "map" ? { k1: value } : value;
  }
  return json;
}

function sampleValue(field: DescField, depth: number): JsonValue | undefined {
  const kind = field.fieldKind === "list" ? field.listKind : field.fieldKind === "map" ? field.mapKind : field.fieldKind;
  if (kind === "enum") return (field as { enum: { values: { name: string }[] } }).enum.values.at(-1)!.name;
  if (kind === "message") {
    const m = (field as { message: DescMessage }).message;
    if (m.typeName === "google.protobuf.Timestamp") return "2025-01-24T21:10:00Z";
    return depth > 3 ? undefined : sampleJson(m, depth + 1);
  }
  const scalar = (field as { scalar: ScalarType }).scalar;
  if (scalar === ScalarType.STRING) return "x";
  if (scalar === ScalarType.BOOL) return true;
  if (scalar === ScalarType.DOUBLE || scalar === ScalarType.FLOAT) return 1.5;
  if (scalar === ScalarType.BYTES) return "AAE=";
  return 7;
}

describe("buildOpenApi", () => {
  it("documents exactly the contract's operations", () => {
    expect(operations().sort()).toEqual([...CONTRACT_OPERATIONS].sort());
    expect(spec.openapi).toBe("3.1.0");
  });

  it("answers 202 for the two triggers, with 429 and Retry-After on those alone", () => {
    for (const name of CONTRACT_OPERATIONS.filter((o) => o !== "GET /health")) {
      const [method, path] = name.split(" ") as [string, string];
      const responses = op(method, path).responses as Record<string, unknown>;
      const trigger = path.endsWith("/trigger") || path.endsWith("/trigger-manual");
      expect(Object.keys(responses)[0], name).toBe(trigger ? "202" : "200");
      expect("429" in responses, name).toBe(trigger);
    }
    const tooMany = (spec.components as Op).responses["429"];
    expect(tooMany.headers["Retry-After"].schema).toEqual({ type: "integer", minimum: 1 });
  });

  it("asks for X-API-Key on every /api operation and on nothing else", () => {
    expect((spec.components as Op).securitySchemes.ApiKey).toMatchObject({ type: "apiKey", in: "header", name: "X-API-Key" });
    for (const name of CONTRACT_OPERATIONS) {
      const [method, path] = name.split(" ") as [string, string];
      expect(op(method, path).security, name).toEqual(path.startsWith("/api/") ? [{ ApiKey: [] }] : []);
      if (path.startsWith("/api/")) expect(op(method, path).responses["401"], name).toEqual({ $ref: "#/components/responses/401" });
    }
  });

  it("takes its descriptions from the protos' comments", () => {
    expect(op("POST", "/api/processing/trigger-manual").summary).toBe("Starts a manual run.");
    for (const route of restRoutes(SERVICES)) {
      const comment = protoDocs[`${route.service.typeName}.${route.method.name}`];
      if (comment) expect(op(route.httpMethod, route.template).description.startsWith(comment), route.template).toBe(true);
    }
    const schemas = (spec.components as Op).schemas;
    expect(schemas["tickstock.cachesync.v1.GetJobResponse"].properties.status.description).toBe(protoDocs["tickstock.cachesync.v1.GetJobResponse.status"]);
    expect(op("GET", "/api/processing/cache-sync/status/{job_id}").parameters[0].description).toBe("The job's UUID.");
    expect((spec.tags as { name: string; description?: string }[]).find((t) => t.name === "CoordinatorService")!.description).toBe(protoDocs["tickstock.coordinator.v1.CoordinatorService"]);
  });

  it("derives path and query parameters from the request messages", () => {
    expect(op("GET", "/api/processing/cache-sync/status/{job_id}").parameters).toEqual([{ name: "job_id", in: "path", required: true, description: "The job's UUID.", schema: { type: "string" } }]);
    expect(op("GET", "/api/processing/history").parameters).toEqual([{ name: "days", in: "query", required: false, description: "1..365, default 7.", schema: { type: "integer", format: "int32" } }]);
    expect(op("GET", "/api/processing/cache-sync/history").parameters.map((p: Op) => p.name)).toEqual(["limit", "offset"]);
    expect(op("GET", "/api/analytics/indicators/{symbol}").parameters.map((p: Op) => `${p.in}:${p.name}:${p.required}`)).toEqual(["path:symbol:true", "query:from:false", "query:to:false"]);
    expect(op("GET", "/api/processing/status").parameters).toBeUndefined();
    expect(op("POST", "/api/processing/trigger-manual").parameters).toBeUndefined();
  });

  it("describes the POST bodies with proto field names, none required, unknown keys refused", () => {
    const schemas = (spec.components as Op).schemas;
    const body = (method: string, path: string) => {
      const ref: string = op(method, path).requestBody.content["application/json"].schema.$ref;
      return schemas[ref.replace("#/components/schemas/", "")];
    };
    expect(body("POST", "/api/processing/cache-sync/trigger")).toMatchObject({ type: "object", additionalProperties: false, properties: { mode: { type: "string" }, force: { type: "boolean" } } });
    expect(body("POST", "/api/processing/cache-sync/trigger").required).toBeUndefined();
    expect(Object.keys(body("POST", "/api/processing/trigger-manual").properties)).toEqual(["skip_market_check", "phases", "universe", "run_date"]);
    expect(body("POST", "/api/processing/trigger-manual").properties.phases).toMatchObject({ type: "array", items: { type: "string" } });
    expect(Object.keys(body("POST", "/api/processing/schedule").properties)).toEqual(["enabled", "trigger_time", "timezone", "universes"]);
    expect(op("GET", "/api/processing/status").requestBody).toBeUndefined();
  });

  it("describes every response exactly as contractJson emits it, empty or fully set", () => {
    for (const route of restRoutes(SERVICES)) {
      const schema = op(route.httpMethod, route.template).responses[String(route.successStatus)].content["application/json"].schema;
      const output = route.method.output;
      const empty = contractJson(output, create(output));
      const full = contractJson(output, fromJson(output, sampleJson(output)));
      expect(validateSchema(schema, empty, spec), `${route.template} empty`).toEqual([]);
      expect(validateSchema(schema, full, spec), `${route.template} full`).toEqual([]);
      expect(validateSchema(schema, { ...full, extra: 1 }, spec).length, route.template).toBeGreaterThan(0);
    }
  });

  it("types proto JSON: int32 integer, double number, Timestamp nullable date-time, optional scalars and messages nullable", () => {
    const s = (spec.components as Op).schemas;
    const job = s["tickstock.cachesync.v1.GetJobResponse"].properties;
    expect(job.created_at).toMatchObject({ type: ["string", "null"], format: "date-time" });
    expect(job.duration_seconds).toMatchObject({ type: ["number", "null"] });
    expect(job.job_id).toEqual({ type: "string" });
    expect(job.progress.oneOf).toEqual([{ $ref: "#/components/schemas/tickstock.cachesync.v1.JobProgress" }, { type: "null" }]);
    expect(s["tickstock.cachesync.v1.ListJobsResponse"].properties.total).toEqual({ type: "integer", format: "int32" });
    expect(s["tickstock.analytics.v1.IndicatorPoint"].properties.values).toMatchObject({ type: "object", additionalProperties: { type: "number" } });
  });

  it("documents the contract's error body for each status, /health's both answers", () => {
    const errors = { $ref: "#/components/schemas/Error" };
    for (const body of [
      { success: false, error: { code: "invalid_argument", message: "mode must be one of full, market_cap, themes, ipos", details: { field: "mode" } } },
      { success: false, error: { code: "payload_too_large", message: "request body exceeds 1048576 bytes" } },
      { success: false, error: { code: "resource_exhausted", message: "rate limit", details: { retry_after: "2" } } },
    ]) {
      expect(validateSchema(errors, body, spec)).toEqual([]);
    }
    expect(validateSchema(errors, { success: false, error: { code: "teapot", message: "x" } }, spec).length).toBeGreaterThan(0);
    expect(Object.keys((spec.components as Op).responses)).toEqual(["400", "401", "403", "404", "405", "409", "413", "415", "429", "499", "500", "501", "503", "504"]);
    const health = op("GET", "/health").responses;
    const healthy = { status: "healthy", services: Object.fromEntries(HEALTH_PARTS.map((p) => [p, "serving"])) };
    expect(validateSchema(health["200"].content["application/json"].schema, healthy, spec)).toEqual([]);
    expect(validateSchema(health["503"].content["application/json"].schema, { ...healthy, status: "degraded", services: { ...healthy.services, redis: "unavailable" } }, spec)).toEqual([]);
  });

  it("resolves every $ref", () => {
    const refs = JSON.stringify(spec).match(/"\$ref":"[^"]+"/g)!.map((r) => r.slice(8, -1));
    for (const ref of new Set(refs)) {
      const [, section, name] = /^#\/components\/(\w+)\/(.+)$/.exec(ref)!;
      expect((spec.components as Op)[section!][name!], ref).toBeDefined();
    }
  });
});
