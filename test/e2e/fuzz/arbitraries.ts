// Generators of bad (and sometimes good) input for the fuzz properties: hostile strings, JSON
// values of every type, dates, numbers as query strings, and request bodies that are invalid by
// construction (at least one field is wrong whatever the others are), so a property can demand
// that nothing was stored.
import fc from "fast-check";

/** Strings that broke parsers somewhere once: number look-alikes, escapes, traversal, injections. */
export const NASTY_STRINGS = [
  "",
  " ",
  "\t",
  "null",
  "undefined",
  "NaN",
  "Infinity",
  "-Infinity",
  "-0",
  "0x1F",
  "1e309",
  "9".repeat(400),
  "true",
  "__proto__",
  "constructor",
  "toString",
  "../../etc/passwd",
  "..%2F..%2Fetc%2Fpasswd",
  "%00",
  "\u0000",
  "\u0000abc",
  "\uFEFF",
  "\u202Eevil",
  "😀",
  "Ω≈ç√",
  "'; DROP TABLE symbols; --",
  "' OR '1'='1",
  "${jndi:ldap://x/a}",
  "{{7*7}}",
  "<script>alert(1)</script>",
  "\r\nX-Injected: 1",
  "%s%s%s%n",
  "a".repeat(10_000),
];

/** Any string, weighted toward the hostile: unicode, control characters, long runs. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...NASTY_STRINGS), weight: 4 },
  { arbitrary: fc.string({ unit: "grapheme", maxLength: 30 }), weight: 3 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 30 }), weight: 3 },
  { arbitrary: fc.string({ unit: "binary-ascii", maxLength: 30 }), weight: 2 },
  { arbitrary: fc.string({ minLength: 1000, maxLength: 5000 }), weight: 1 },
  { arbitrary: fc.integer({ min: 100_000, max: 300_000 }).map((n) => "x".repeat(n)), weight: 1 },
);

/** Numbers as JSON can carry them, bounds first. */
export const jsonNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 2 ** 53, Number.MAX_SAFE_INTEGER + 2, 1e308, -1e308, 5e-324, 0.5, 1.5),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** A JSON value of any type, nesting included. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 3 },
  { arbitrary: jsonNumber, weight: 2 },
  { arbitrary: hostileString, weight: 2 },
  { arbitrary: fc.array(fc.constantFrom(1, "a", null, true, {}), { maxLength: 5 }), weight: 1 },
  // Deeper nesting goes in as text (rest-bodies.test.ts): fast-check prints values recursively.
  { arbitrary: fc.integer({ min: 10, max: 200 }).map((d) => nestedArray(d)), weight: 1 },
);

export function nestedArray(depth: number): unknown {
  let v: unknown = [];
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

const isString = (v: unknown): v is string => typeof v === "string";

/** A JSON value a string field cannot take (null excluded: proto JSON reads null as "unset"). */
export const notAString = anyJson.filter((v) => v !== null && !isString(v));
/** A JSON value a bool field cannot take. */
export const notABool = anyJson.filter((v) => v !== null && typeof v !== "boolean");
/** A JSON value a repeated string field cannot take: not a list, or a list with a non-string item. */
export const notAStringList: fc.Arbitrary<unknown> = fc.oneof(
  anyJson.filter((v) => v !== null && !Array.isArray(v)),
  fc.tuple(fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }), notAString, fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 })).map(([a, b, c]) => [...a, b, ...c]),
  fc.constant([null]),
);

// --- dates --------------------------------------------------------------------------------

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;
export function isIsoDate(s: string): boolean {
  const m = ISO.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  const days = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]!;
  return d <= days;
}

/** Strings that are not a YYYY-MM-DD date, near misses first. */
export const notADate: fc.Arbitrary<string> = fc
  .oneof(
    fc.constantFrom("2025-02-29", "2025-13-01", "2025-00-10", "2025-01-32", "2025-1-2", "25-01-02", "2025/01/02", "2025-01-02T00:00:00Z", " 2025-01-02", "2025-01-02 ", "20250102", "+2025-01-02", "-2025-01-02", "2025-01-0２", "٢٠٢٥-٠١-٠٢", "today", "yesterday", "0", "-1"),
    hostileString,
    fc.tuple(fc.integer({ min: -99999, max: 99999 }), fc.integer({ min: -5, max: 40 }), fc.integer({ min: -5, max: 40 })).map(([y, m, d]) => `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`),
  )
  .filter((s) => !isIsoDate(s));

/** Real calendar dates at the edges of what software handles: year 0, 9999, leap days, the epoch. */
export const edgeDate: fc.Arbitrary<string> = fc.constantFrom(
  "0000-01-01",
  "0000-02-29",
  "0001-01-01",
  "0099-12-31",
  "1000-01-01",
  "1582-10-10",
  "1899-12-31",
  "1969-12-31",
  "1970-01-01",
  "2000-02-29",
  "2024-02-29",
  "2038-01-19",
  "2100-01-01",
  "9999-12-31",
);

/** A real calendar date in [from, to] (YYYY-MM-DD). */
export function dateIn(from: string, to: string): fc.Arbitrary<string> {
  const a = Date.parse(`${from}T00:00:00Z`);
  const b = Date.parse(`${to}T00:00:00Z`);
  return fc.integer({ min: 0, max: Math.round((b - a) / 86_400_000) }).map((n) => new Date(a + n * 86_400_000).toISOString().slice(0, 10));
}

// --- numbers in query strings ----------------------------------------------------------

export interface Labeled {
  value: string;
  /** true: the service must accept it; false: it must refuse it (4xx); undefined: either. */
  valid: boolean | undefined;
}

/** A query-string value for an int32 parameter ranging min..max, labeled by whether it is acceptable. */
export function intParam(min: number, max: number): fc.Arbitrary<Labeled> {
  const v = (valid: boolean | undefined) => (value: string) => ({ value, valid });
  return fc.oneof(
    fc.integer({ min, max }).map(String).map(v(true)),
    fc.constantFrom(min, max).map(String).map(v(true)),
    fc.constantFrom(min - 1, max + 1, -1, -(2 ** 31), 2 ** 31 - 1, 2 ** 31, 2 ** 53, -(2 ** 53)).filter((n) => n < min || n > max).map(String).map(v(false)),
    fc.constantFrom("99999999999999999999", "-99999999999999999999", "1" + "0".repeat(400)).map(v(false)),
    fc.tuple(fc.integer({ min, max: max - 1 }), fc.integer({ min: 1, max: 999 }).filter((f) => f % 10 !== 0)).map(([i, f]) => `${i}.${f}`).map(v(false)),
    fc.constantFrom("", " ", "NaN", "nan", "Infinity", "-Infinity", "1e2", "1E2", "0x10", "0b1", "0o7", "1_0", "+5", " 5", "5 ", "５", "1,2", "true", "null", "[]", "{}", "%00").map(v(false)),
    hostileString.filter((s) => !/^-?\d+(\.\d+)?$/.test(s)).map(v(false)),
    fc.constantFrom("-0", "01", "1.0", "1.000").map(v(undefined)),
  );
}

// --- request bodies -------------------------------------------------------------------

export interface FieldSpec {
  /** Values the field accepts (JSON). */
  valid: fc.Arbitrary<unknown>;
  /** Values that make the whole request invalid, whatever the other fields are. */
  invalid: fc.Arbitrary<unknown>;
}

/** A key no request message has (neither its proto name nor its JSON name). */
export function unknownKey(known: readonly string[]): fc.Arbitrary<string> {
  const lower = new Set(known);
  return fc
    .oneof(
      fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "", " ", "Mode", "MODE", "mode ", " mode", "force\u0000", "run-date", "runDate ", "$typeName", "extra", "job_id", "success"),
      hostileString,
    )
    .filter((k) => !lower.has(k));
}

/**
 * A JSON object for a request whose fields are `spec`, invalid by construction: any valid fields,
 * then at least one invalid field or unknown key on top.
 */
export function invalidBody(spec: Record<string, FieldSpec>, knownKeys: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  const names = Object.keys(spec);
  const valid = fc.record(Object.fromEntries(names.map((n) => [n, spec[n]!.valid])) as Record<string, fc.Arbitrary<unknown>>, { requiredKeys: [] });
  const badFields = fc
    .uniqueArray(fc.constantFrom(...names), { minLength: 1, maxLength: names.length })
    .chain((keys) => fc.tuple(...keys.map((k) => spec[k]!.invalid)).map((values) => entries(keys, values)));
  const badKeys = fc.uniqueArray(fc.tuple(unknownKey(knownKeys), anyJson), { minLength: 1, maxLength: 3, selector: ([k]) => k }).map((kv) => entries(kv.map(([k]) => k), kv.map(([, v]) => v)));
  const bad = fc.oneof({ arbitrary: badFields, weight: 4 }, { arbitrary: badKeys, weight: 1 }, { arbitrary: fc.tuple(badFields, badKeys).map(([a, b]) => ({ ...a, ...b })), weight: 1 });
  return fc.tuple(valid, bad).map(([v, b]) => {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = x;
    for (const [k, x] of Object.entries(b)) Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
    return out;
  });
}

/** An object from keys and values, `__proto__` included as an own key (as JSON.parse makes it). */
function entries(keys: readonly string[], values: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  keys.forEach((k, i) => Object.defineProperty(out, k, { value: values[i], enumerable: true, writable: true, configurable: true }));
  return out;
}

/** Request bytes with a short label: what a failing property prints instead of megabytes. */
export interface Payload {
  bytes: Uint8Array;
  label: string;
}

export function payload(bytes: Uint8Array | string, label?: string): Payload {
  const b = typeof bytes === "string" ? new Uint8Array(Buffer.from(bytes, "utf8")) : bytes;
  const text = label ?? (typeof bytes === "string" ? bytes : Buffer.from(b).toString("latin1"));
  const shown = text.length > 120 ? `${JSON.stringify(text.slice(0, 120))}…(${b.length} bytes)` : JSON.stringify(text);
  return Object.assign({ bytes: b, label: shown }, { [fc.toStringMethod]: () => `payload(${shown})` });
}

/** Byte sequences that are never valid UTF-8. */
export const INVALID_UTF8: readonly number[][] = [[0xff], [0xfe], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc3], [0xe2, 0x82], [0x80], [0xf4, 0x90, 0x80, 0x80]];

/** `text` as UTF-8 with invalid sequences spliced in at random offsets. */
export function withInvalidUtf8(text: string): fc.Arbitrary<Payload> {
  const bytes = Buffer.from(text, "utf8");
  return fc
    .array(fc.tuple(fc.integer({ min: 0, max: bytes.length }), fc.constantFrom(...INVALID_UTF8)), { minLength: 1, maxLength: 4 })
    .map((cuts) => {
      const sorted = [...cuts].sort((a, b) => b[0] - a[0]);
      let out = Buffer.from(bytes);
      for (const [at, seq] of sorted) out = Buffer.concat([out.subarray(0, at), Buffer.from(seq), out.subarray(at)]);
      return payload(new Uint8Array(out), `${text} with ${cuts.map(([at, seq]) => `${seq.map((x) => x.toString(16)).join(" ")} at ${at}`).join(", ")}`);
    });
}

/** Texts JSON.parse refuses. */
export const malformedJson: fc.Arbitrary<string> = fc
  .oneof(
    fc.constantFrom("{", "}", "{\"mode\":}", "{\"mode\": \"full\",}", "{'mode': 'full'}", "{mode: \"full\"}", "{\"mode\": \"full\"", "{\"a\":1}{\"b\":2}", "NaN", "{\"force\": NaN}", "{\"force\": Infinity}", "{\"force\": tru}", "\u0000", "\uFEFF{}", "{\"mode\": \"\\x41\"}", "{\"mode\": \"\\u12\"}", "{\"mode\": \"a\nb\"}", "[", "//{}", "/* */{}", "{\"a\":1,,\"b\":2}", "0x10", "+1", ".5", "01"),
    fc.json().map((j) => j.slice(0, Math.max(1, j.length - 1))),
    fc.integer({ min: 100_000, max: 200_000 }).map((n) => "[".repeat(n)),
    fc.integer({ min: 100_000, max: 200_000 }).map((n) => "{\"a\":".repeat(n)),
    hostileString,
  )
  .filter((s) => {
    if (s.length === 0) return false;
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  });

/** Valid JSON that is not an object: the body of every route must be one. */
export const nonObjectJson: fc.Arbitrary<string> = fc
  .oneof(fc.constantFrom("null", "true", "false", "0", "-1", "1e400", "\"\"", "\"full\"", "[]", "[{}]", "[{\"mode\":\"full\"}]"), fc.jsonValue().map((v) => JSON.stringify(v)))
  .filter((s) => {
    const v = JSON.parse(s) as unknown;
    return v === null || typeof v !== "object" || Array.isArray(v);
  });

/** Content types that are not JSON (the gateway's rule: application/json or application/*+json). */
export const nonJsonContentType: fc.Arbitrary<string | undefined> = fc
  .oneof(
    fc.constant(undefined),
    fc.constantFrom("text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", "text/json", "json", "application/jsonp", "application/json-patch", "application/jsonl", "*/*", "application/*", "", "application", "application/", "application/+json", "applicationjson", "text/html; application/json", "application/x-json", "application/json5"),
    fc.string({ unit: "grapheme-ascii", maxLength: 40 }),
  )
  .filter((t) => t === undefined || !/^application\/(.+\+)?json\s*(;|$)/i.test(t.trim()));
