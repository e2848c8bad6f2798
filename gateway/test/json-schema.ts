/**
 * A small JSON Schema (2020-12 subset, as gateway/src/openapi.ts writes it) validator for the
 * tests: $ref to components, type (one or several), enum, const, oneOf, properties, required,
 * additionalProperties, items, pattern and format date-time. Returns every violation with its
 * path, none when `value` conforms.
 */
type Schema = Record<string, unknown>;

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function hasType(value: unknown, type: string): boolean {
  if (type === "integer") return typeof value === "number" && Number.isInteger(value);
  return typeOf(value) === type;
}

export function validateSchema(schema: Schema, value: unknown, root: Schema, path = "$"): string[] {
  if (typeof schema.$ref === "string") {
    const name = schema.$ref.replace("#/components/schemas/", "");
    const target = ((root.components as Schema).schemas as Record<string, Schema>)[name];
    if (!target) return [`${path}: unresolved ${schema.$ref}`];
    return validateSchema(target, value, root, path);
  }
  if (Array.isArray(schema.oneOf)) {
    const passing = (schema.oneOf as Schema[]).filter((s) => validateSchema(s, value, root, path).length === 0).length;
    if (passing !== 1) return [`${path}: matches ${passing} of oneOf, not exactly 1 (${JSON.stringify(value)?.slice(0, 80)})`];
  }
  const errors: string[] = [];
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => hasType(value, t))) return [`${path}: ${typeOf(value)} is not ${types.join(" | ")}`];
  }
  if ("const" in schema && value !== schema.const) errors.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) errors.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if (typeof value === "string") {
    if (schema.format === "date-time" && !RFC3339.test(value)) errors.push(`${path}: "${value}" is not an RFC 3339 date-time`);
    if (typeof schema.pattern === "string" && !new RegExp(schema.pattern).test(value)) errors.push(`${path}: "${value}" does not match ${schema.pattern}`);
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((v, i) => errors.push(...validateSchema(schema.items as Schema, v, root, `${path}[${i}]`)));
  }
  if (typeOf(value) === "object") {
    const obj = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of (schema.required ?? []) as string[]) if (!(key in obj)) errors.push(`${path}: missing key "${key}"`);
    for (const [key, v] of Object.entries(obj)) {
      if (properties[key]) errors.push(...validateSchema(properties[key], v, root, `${path}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: unexpected key "${key}"`);
      else if (typeof schema.additionalProperties === "object") errors.push(...validateSchema(schema.additionalProperties as Schema, v, root, `${path}.${key}`));
    }
  }
  return errors;
}
