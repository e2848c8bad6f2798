// ListBars' bulk payload without generic protobuf (de)serialization. ImportService.ListBars streams
// 2–3 million bars for a daily analytics run; building (or decoding) a JavaScript number per bar cost
// seconds. Both ends therefore use a copy of the generated descriptor in which
// ListBarsResponse.series is `repeated bytes` instead of `repeated SymbolBars`: the same wire
// format (a message field is length-delimited bytes), so gRPC framing, errors, deadlines and
// cancellation are unchanged, and ordinary clients (grpcurl, the generated ones) still read
// SymbolBars. The import service writes each series' bytes itself (encodeSymbolBars); the analytics
// workers read them into typed arrays.
import { clone, createFileRegistry, type DescService } from "@bufbuild/protobuf";
import { FieldDescriptorProto_Type, FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { file_tickstock_import_v1_import } from "@tickstock/gen/tickstock/import/v1/import_pb.js";

/** ImportService with ListBarsResponse.series as the raw bytes of each SymbolBars message. */
export const RawBarsService: DescService = (() => {
  const proto = clone(FileDescriptorProtoSchema, file_tickstock_import_v1_import.proto);
  const response = proto.messageType.find((m) => m.name === "ListBarsResponse");
  const series = response?.field.find((f) => f.number === 1);
  if (!series) throw new Error("ListBarsResponse.series not found in the import service's descriptor");
  series.type = FieldDescriptorProto_Type.BYTES;
  series.typeName = "";
  const file = createFileRegistry(proto, () => undefined).getFile(proto.name);
  const service = file?.services.find((s) => s.name === "ImportService");
  if (!service) throw new Error("ImportService not found in the import service's descriptor");
  return service;
})();

/** A ListBars response as RawBarsService carries it. */
export interface RawListBarsResponse {
  series: Uint8Array[];
}

/** SymbolBars field numbers: symbol = 1, day = 2 (packed int32), open..volume = 3..7 (packed double). */
const SYMBOL_TAG = (1 << 3) | 2;
const DAY_TAG = (2 << 3) | 2;
const FIRST_DOUBLE_FIELD = 3;

function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function writeVarint(out: Uint8Array, at: number, v: number): number {
  while (v >= 0x80) {
    out[at++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  out[at++] = v;
  return at;
}

/**
 * Writes `v` as a protobuf int32 varint (a negative value takes 10 bytes, sign-extended as the spec
 * says) at `at`; returns the next position. `out` needs 10 free bytes.
 */
export function writeInt32Varint(out: Uint8Array, at: number, v: number): number {
  if (v >= 0) return writeVarint(out, at, v);
  // Two's complement over 64 bits: the low 32 bits, then 0xffffffff.
  let lo = v >>> 0;
  for (let i = 0; i < 4; i++) {
    out[at++] = (lo & 0x7f) | 0x80;
    lo >>>= 7;
  }
  // bits 28..31 of lo plus the first 3 set bits of the high word
  out[at++] = (lo & 0x0f) | 0x70 | 0x80;
  for (let i = 0; i < 4; i++) out[at++] = 0xff;
  out[at++] = 0x01;
  return at;
}

/**
 * One SymbolBars message from already-encoded columns: `days` holds `count` int32 varints (packed),
 * `doubles[c]` the count little-endian doubles of open, high, low, close, volume.
 */
export function encodeSymbolBars(symbol: Uint8Array, count: number, days: Uint8Array, doubles: readonly Uint8Array[]): Uint8Array {
  const doubleBytes = count * 8;
  let size = 1 + varintSize(symbol.length) + symbol.length;
  if (count > 0) size += 1 + varintSize(days.length) + days.length + doubles.length * (1 + varintSize(doubleBytes) + doubleBytes);
  const out = new Uint8Array(size);
  let at = 0;
  out[at++] = SYMBOL_TAG;
  at = writeVarint(out, at, symbol.length);
  out.set(symbol, at);
  at += symbol.length;
  if (count === 0) return out;
  out[at++] = DAY_TAG;
  at = writeVarint(out, at, days.length);
  out.set(days, at);
  at += days.length;
  for (let c = 0; c < doubles.length; c++) {
    out[at++] = ((FIRST_DOUBLE_FIELD + c) << 3) | 2;
    at = writeVarint(out, at, doubleBytes);
    out.set(doubles[c]!.subarray(0, doubleBytes), at);
    at += doubleBytes;
  }
  return out;
}
