// ListBars' rows, read with binary COPY and written straight into SymbolBars messages (wire format):
// no text parsing, no JavaScript number arrays, no generic protobuf encoding per bar. Each row of
// `COPY ... (FORMAT binary)` is a field count (int16) and, per field, a byte length (int32) and the
// value in network byte order; our query's fields are symbol (text), day (int4, days since
// 1970-01-01) and open, high, low, close, volume (float8). Rows arrive in (symbol, date) order;
// a change of symbol ends a message.
// Format: https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4
import { encodeSymbolBars, writeInt32Varint } from "@tickstock/common/bars-wire.ts";

const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");
/** Signature, flags (int32), header extension length (int32). */
const HEADER_BYTES = SIGNATURE.length + 8;
const FIELDS = 7;
const DOUBLES = 5;
/** Bytes of a row besides the symbol's: field count, 7 lengths, an int4 and 5 float8. */
const FIXED_ROW_BYTES = 2 + FIELDS * 4 + 4 + DOUBLES * 8;
/** Longest symbol the table holds (varchar(20), ASCII) with room to spare: bounds a row's size. */
const MAX_ROW_BYTES = FIXED_ROW_BYTES + 256;

/** Growable byte buffer for one column of the series being assembled. */
class Column {
  bytes = new Uint8Array(1 << 13);
  view = new DataView(this.bytes.buffer);
  length = 0;
  reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    const next = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }
}

/**
 * Parses the chunks of a binary COPY of (symbol, day, open, high, low, close, volume) ordered by
 * symbol. push() returns the SymbolBars messages its chunk completed; chunks may split rows (and
 * the header) anywhere; end() returns the last message.
 */
export class BinaryCopyBarsParser {
  private readonly days = new Column();
  private readonly doubles = Array.from({ length: DOUBLES }, () => new Column());
  private symbol: Uint8Array | null = null;
  private count = 0;
  private headerDone = false;
  private ended = false;
  /** Bytes of an incomplete header or row from the previous chunk. */
  private rest: Uint8Array = new Uint8Array(0);

  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.ended || chunk.length === 0) return out;
    let from = 0;
    if (this.rest.length > 0) {
      // Complete the split row (or header) with the start of this chunk and parse it, then go on
      // in the chunk itself: only the split bytes are copied, never the whole chunk.
      const restLength = this.rest.length;
      const head = Buffer.concat([this.rest, chunk.subarray(0, HEADER_BYTES + MAX_ROW_BYTES)]);
      const at = this.parse(head, 0, restLength, out);
      if (this.ended) return out;
      if (at < restLength) {
        this.rest = Buffer.concat([this.rest, chunk]); // the chunk was too short to complete it
        return out;
      }
      from = at - restLength;
    }
    const at = this.parse(chunk, from, chunk.length, out);
    this.rest = this.ended ? new Uint8Array(0) : chunk.slice(at);
    return out;
  }

  /** The last message; throws when the stream stopped before its trailer. */
  end(): Uint8Array[] {
    if (!this.ended) throw new Error("binary COPY stream ended without its trailer");
    return this.count > 0 ? [this.finishSeries()] : [];
  }

  /** Parses whole rows that start before `limit`; returns where it stopped. */
  private parse(buf: Uint8Array, at: number, limit: number, out: Uint8Array[]): number {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    if (!this.headerDone) {
      if (buf.length - at < HEADER_BYTES) return at;
      for (let i = 0; i < SIGNATURE.length; i++) if (buf[at + i] !== SIGNATURE[i]) throw new Error("not a binary COPY stream");
      const extension = view.getUint32(at + SIGNATURE.length + 4);
      if (buf.length - at < HEADER_BYTES + extension) return at;
      at += HEADER_BYTES + extension;
      this.headerDone = true;
    }
    const days = this.days;
    const doubles = this.doubles;
    while (at < limit) {
      if (buf.length - at < 2) break;
      const fields = view.getInt16(at);
      if (fields === -1) {
        this.ended = true;
        return at + 2;
      }
      if (fields !== FIELDS) throw new Error(`binary COPY row with ${fields} fields, expected ${FIELDS}`);
      if (buf.length - at < 6) break;
      const symbolLength = view.getInt32(at + 2);
      if (symbolLength < 0 || symbolLength > MAX_ROW_BYTES - FIXED_ROW_BYTES) throw new Error(`binary COPY row with a bad symbol length ${symbolLength}`);
      if (buf.length - at < FIXED_ROW_BYTES + symbolLength) break;
      const symbolStart = at + 6;
      let p = symbolStart + symbolLength;
      if (this.symbol === null || !sameBytes(this.symbol, buf, symbolStart, symbolLength)) {
        if (this.symbol !== null) out.push(this.finishSeries());
        this.symbol = buf.slice(symbolStart, symbolStart + symbolLength);
      }
      if (view.getInt32(p) !== 4) throw new Error("binary COPY row with a bad day field");
      days.reserve(10);
      days.length = writeInt32Varint(days.bytes, days.length, view.getInt32(p + 4));
      p += 8;
      for (let c = 0; c < DOUBLES; c++) {
        if (view.getInt32(p) !== 8) throw new Error("binary COPY row with a bad float8 field");
        const col = doubles[c]!;
        col.reserve(8);
        col.view.setFloat64(col.length, view.getFloat64(p + 4), true);
        col.length += 8;
        p += 12;
      }
      this.count++;
      at = p;
    }
    return at;
  }

  private finishSeries(): Uint8Array {
    const message = encodeSymbolBars(
      this.symbol!,
      this.count,
      this.days.bytes.subarray(0, this.days.length),
      this.doubles.map((d) => d.bytes),
    );
    this.days.length = 0;
    for (const d of this.doubles) d.length = 0;
    this.count = 0;
    return message;
  }
}

/** One SymbolBars message per symbol of a binary COPY stream (see BinaryCopyBarsParser). */
export async function* symbolBarsFromBinaryCopy(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const parser = new BinaryCopyBarsParser();
  for await (const chunk of chunks) yield* parser.push(chunk);
  yield* parser.end();
}

function sameBytes(a: Uint8Array, b: Uint8Array, start: number, length: number): boolean {
  if (a.length !== length) return false;
  for (let i = 0; i < length; i++) if (a[i] !== b[start + i]) return false;
  return true;
}
