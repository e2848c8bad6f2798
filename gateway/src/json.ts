import { create, fromJson, ScalarType, type DescMessage, type JsonValue, type Message } from "@bufbuild/protobuf";
import { invalidArgument } from "@tickstock/common/errors.ts";

/** REST JSON (shared with the CLI's --json output). */
export { contractJson } from "@tickstock/common/contract-json.ts";

/** Translates protobuf-es JSON errors into InvalidArgument naming the field. */
function decodeError(err: unknown, schema: DescMessage): Error {
  const message = err instanceof Error ? err.message : String(err);
  const field = /cannot decode field [\w.]+\.(\w+) from JSON: (.*)$/.exec(message);
  if (field) return invalidArgument(field[1]!, `${field[1]}: ${field[2]}`);
  const unknown = /key "(.*)" is unknown/.exec(message);
  if (unknown) return invalidArgument(unknown[1]!.slice(0, 64), `unknown field "${unknown[1]!.slice(0, 64)}"`);
  return invalidArgument("body", `invalid request for ${schema.name}: ${message.slice(0, 200)}`);
}

const NUMERIC = new Set([ScalarType.INT32, ScalarType.UINT32, ScalarType.SINT32, ScalarType.FIXED32, ScalarType.SFIXED32, ScalarType.DOUBLE, ScalarType.FLOAT, ScalarType.INT64, ScalarType.UINT64, ScalarType.SINT64, ScalarType.FIXED64, ScalarType.SFIXED64]);

/**
 * Builds the request message from the JSON body, the path parameters and the
 * query string, strictly: unknown keys, wrong types and out-of-range numbers
 * are InvalidArgument.
 */
export function decodeRequest(
  schema: DescMessage,
  body: Record<string, JsonValue>,
  pathParams: Record<string, string>,
  query: URLSearchParams,
): Message {
  if (query.size === 0 && Object.keys(body).length === 0 && Object.keys(pathParams).length === 0) return create(schema); // what fromJson of {} gives
  const json: Record<string, JsonValue> = { ...body };
  for (const [name, raw] of Object.entries(pathParams)) {
    let value: string;
    try {
      value = decodeURIComponent(raw);
    } catch {
      throw invalidArgument(name, `${name} is not a valid path segment`);
    }
    json[name] = value;
  }
  for (const key of new Set(query.keys())) {
    const field = schema.fields.find((f) => f.name === key || f.jsonName === key);
    if (!field) throw invalidArgument(key.slice(0, 64), `unknown query parameter "${key.slice(0, 64)}"`);
    const values = query.getAll(key);
    if (field.fieldKind === "list") {
      json[field.name] = values.flatMap((v) => v.split(",")).filter((v) => v !== "");
    } else if (values.length > 1) {
      throw invalidArgument(field.name, `${field.name} given more than once`);
    } else if (field.fieldKind === "scalar" && field.scalar === ScalarType.BOOL) {
      if (values[0] !== "true" && values[0] !== "false") throw invalidArgument(field.name, `${field.name}: expected true or false`);
      json[field.name] = values[0] === "true";
    } else if (field.fieldKind === "scalar" && NUMERIC.has(field.scalar)) {
      const v = values[0]!;
      if (!/^-?\d+(\.\d+)?$/.test(v)) throw invalidArgument(field.name, `${field.name}: expected a number, got "${v.slice(0, 32)}"`);
      json[field.name] = v;
    } else if (field.fieldKind === "scalar" && field.scalar === ScalarType.STRING) {
      json[field.name] = values[0]!;
    } else {
      throw invalidArgument(field.name, `${field.name} cannot be given in the query string`);
    }
  }
  try {
    return fromJson(schema, json, { ignoreUnknownFields: false });
  } catch (err) {
    throw decodeError(err, schema);
  }
}
