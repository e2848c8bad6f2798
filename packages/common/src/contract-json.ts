import { toJson, type DescMessage, type Message } from "@bufbuild/protobuf";

/**
 * REST JSON is proto JSON with proto field names (snake_case, as the contract
 * spells them), numbers for int32/double, RFC 3339 timestamps, and — where the
 * contract shows `null` — null for a field that has no value (an unset
 * optional scalar or message), never a missing key.
 */
export function contractJson(schema: DescMessage, message: Message): Record<string, unknown> {
  const json = toJson(schema, message, { useProtoFieldName: true, alwaysEmitImplicit: true }) as Record<string, unknown>;
  return withNulls(schema, json);
}

/** A copy with null for unset fields, keys in the proto's field order (the contract's order). */
function withNulls(schema: DescMessage, json: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of schema.fields) {
    const key = field.name;
    const value = json[key];
    const ownMessage = (field.fieldKind === "message" || (field.fieldKind === "list" && field.listKind === "message")) && !field.message.typeName.startsWith("google.protobuf.");
    if (field.fieldKind === "message") {
      out[key] = value === undefined ? null : ownMessage ? withNulls(field.message, value as Record<string, unknown>) : value;
    } else if (field.fieldKind === "list" && field.listKind === "message" && Array.isArray(value) && ownMessage) {
      out[key] = value.map((v) => withNulls(field.message, v as Record<string, unknown>));
    } else if ((field.fieldKind === "scalar" || field.fieldKind === "enum") && value === undefined) {
      out[key] = null;
    } else if (value !== undefined) {
      out[key] = value;
    }
  }
  return out;
}
