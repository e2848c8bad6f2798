// ListBars answers decoded straight into a PackedBatch, without the per-number JavaScript arrays
// that generic decoding builds (and the garbage collector then spends seconds on: at 10,000
// symbols that was most of a worker's time).
//
// The client is the ordinary Connect client of ImportService, from a copy of the generated
// descriptor in which ListBarsResponse.series is `repeated bytes` instead of `repeated
// SymbolBars`: the same wire format (a message field is length-delimited bytes), so the call,
// its errors and its cancellation are Connect's, and each series arrives as a view of the
// received bytes. decodeSeries then reads SymbolBars' fields (symbol = 1, day = 2 as varints,
// open..volume = 3..7 as doubles, packed or not) into typed arrays; a packed double column is
// one byte copy.
import { endianness } from "node:os";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { RawBarsService, type RawListBarsResponse } from "@tickstock/common/bars-wire.ts";
import { createServiceClient } from "@tickstock/common/clients.ts";
import type { PackedBatch } from "./batch.ts";

/** The one method used, typed by hand (the descriptor is built at run time). */
export interface RawBarsClient {
  listBars(req: { symbols: string[]; toDate: string; batchSize: number }, opts: { signal: AbortSignal }): AsyncIterable<RawListBarsResponse>;
}

export function createRawBarsClient(address: string): RawBarsClient {
  return createServiceClient(RawBarsService, address) as unknown as RawBarsClient;
}

/** Every stored bar of each symbol up to `toDate`, packed in the order of `symbols` (none: 0 bars). */
export async function readPackedSeries(client: RawBarsClient, symbols: readonly string[], toDate: string, signal: AbortSignal): Promise<PackedBatch> {
  const messages: Uint8Array[] = [];
  for await (const msg of client.listBars({ symbols: [...symbols], toDate, batchSize: symbols.length }, { signal })) {
    for (const s of msg.series) messages.push(s);
  }
  return decodeSeries(symbols, messages);
}

const LITTLE_ENDIAN = endianness() === "LE";
const DAY = 2;
/** Field numbers of open, high, low, close, volume: columns 0..4. */
const FIRST_DOUBLE = 3;
const DOUBLES = 5;

/** Where one SymbolBars message keeps its columns: [start, end, wire type] runs per field. */
interface Layout {
  symbol: string;
  runs: number[][]; // runs[c] for c = 0 (day), 1..5 (open..volume): start, end, wireType, ...
  count: number;
}

function layoutOf(bytes: Uint8Array): Layout {
  const reader = new BinaryReader(bytes);
  const layout: Layout = { symbol: "", runs: [[], [], [], [], [], []], count: 0 };
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    const column = field === DAY ? 0 : field >= FIRST_DOUBLE && field < FIRST_DOUBLE + DOUBLES ? field - FIRST_DOUBLE + 1 : -1;
    if (field === 1 && wireType === WireType.LengthDelimited) {
      layout.symbol = reader.string();
    } else if (column >= 0 && wireType === WireType.LengthDelimited) {
      const len = reader.uint32();
      layout.runs[column].push(reader.pos, reader.pos + len, wireType);
      reader.pos += len;
    } else if (column >= 0 && (wireType === WireType.Varint || wireType === WireType.Bit64)) {
      const start = reader.pos;
      reader.skip(wireType);
      layout.runs[column].push(start, reader.pos, wireType);
    } else {
      reader.skip(wireType);
    }
  }
  const counts = layout.runs.map((runs, c) => countValues(bytes, runs, c === 0));
  if (counts.some((n) => n !== counts[0])) throw new Error(`SymbolBars ${layout.symbol}: columns of different lengths (${counts.join(", ")})`);
  layout.count = counts[0];
  return layout;
}

function countValues(bytes: Uint8Array, runs: number[], isVarint: boolean): number {
  let n = 0;
  for (let r = 0; r < runs.length; r += 3) {
    const [start, end, wireType] = [runs[r], runs[r + 1], runs[r + 2]];
    if (wireType !== WireType.LengthDelimited) n++;
    else if (!isVarint) n += (end - start) / 8;
    else for (let i = start; i < end; i++) if (bytes[i] < 0x80) n++; // a varint ends at a byte below 0x80
  }
  return n;
}

/** Packs SymbolBars messages (wire format) in the order of `symbols`; a symbol without one gets 0 bars. */
export function decodeSeries(symbols: readonly string[], messages: readonly Uint8Array[]): PackedBatch {
  const bySymbol = new Map<string, { bytes: Uint8Array; layout: Layout }>();
  for (const bytes of messages) {
    const layout = layoutOf(bytes);
    bySymbol.set(layout.symbol, { bytes, layout });
  }
  const offsets = new Int32Array(symbols.length + 1);
  for (let k = 0; k < symbols.length; k++) offsets[k + 1] = offsets[k] + (bySymbol.get(symbols[k])?.layout.count ?? 0);
  const total = offsets[symbols.length];
  const batch: PackedBatch = {
    symbols: [...symbols],
    offsets,
    day: new Int32Array(total),
    open: new Float64Array(total),
    high: new Float64Array(total),
    low: new Float64Array(total),
    close: new Float64Array(total),
    volume: new Float64Array(total),
  };
  const doubles = [batch.open, batch.high, batch.low, batch.close, batch.volume];
  for (let k = 0; k < symbols.length; k++) {
    const found = bySymbol.get(symbols[k]);
    if (!found) continue;
    fillDays(batch.day, offsets[k], found.bytes, found.layout.runs[0]);
    for (let c = 0; c < DOUBLES; c++) fillDoubles(doubles[c], offsets[k], found.bytes, found.layout.runs[c + 1]);
  }
  return batch;
}

function fillDays(out: Int32Array, at: number, bytes: Uint8Array, runs: number[]): void {
  for (let r = 0; r < runs.length; r += 3) {
    const reader = new BinaryReader(bytes.subarray(runs[r], runs[r + 1]));
    while (reader.pos < reader.len) out[at++] = reader.int32();
  }
}

function fillDoubles(out: Float64Array, at: number, bytes: Uint8Array, runs: number[]): void {
  for (let r = 0; r < runs.length; r += 3) {
    const [start, end] = [runs[r], runs[r + 1]];
    if (LITTLE_ENDIAN) {
      // The wire's little-endian doubles are this machine's: one copy (the target is aligned).
      new Uint8Array(out.buffer, out.byteOffset + at * 8, end - start).set(bytes.subarray(start, end));
      at += (end - start) / 8;
    } else {
      const view = new DataView(bytes.buffer, bytes.byteOffset + start, end - start);
      for (let i = 0; i < end - start; i += 8) out[at++] = view.getFloat64(i, true);
    }
  }
}
