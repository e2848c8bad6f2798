import { describe, expect, it } from "vitest";
import { fromBinary } from "@bufbuild/protobuf";
import { SymbolBarsSchema } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { BinaryCopyBarsParser, symbolBarsFromBinaryCopy } from "./bars-wire.ts";

type Row = [symbol: string, day: number, open: number, high: number, low: number, close: number, volume: number];

/** A binary COPY stream of rows as PostgreSQL writes it (optionally with a header extension). */
function binaryCopy(rows: Row[], opts: { extension?: number; trailer?: boolean } = {}): Buffer {
  const parts: Buffer[] = [Buffer.from("PGCOPY\n\xff\r\n\0", "latin1")];
  const header = Buffer.alloc(8 + (opts.extension ?? 0));
  header.writeUInt32BE(0, 0);
  header.writeUInt32BE(opts.extension ?? 0, 4);
  parts.push(header);
  for (const [symbol, day, ...doubles] of rows) {
    const s = Buffer.from(symbol, "utf8");
    const row = Buffer.alloc(2 + 4 + s.length + 8 + 5 * 12);
    let at = row.writeInt16BE(7, 0);
    at = row.writeInt32BE(s.length, at);
    at += s.copy(row, at);
    at = row.writeInt32BE(4, at);
    at = row.writeInt32BE(day, at);
    for (const d of doubles) {
      at = row.writeInt32BE(8, at);
      at = row.writeDoubleBE(d, at);
    }
    parts.push(row);
  }
  if (opts.trailer !== false) parts.push(Buffer.from([0xff, 0xff]));
  return Buffer.concat(parts);
}

const ROWS: Row[] = [
  ["A", -400, 1, 2, 0.5, 1.5, 0],
  ["A", 20_454, 0.1 + 0.2, 1e300, 1e-300, 3, 9_007_199_254_740_991],
  ["A", 20_455, 10, 11, 9, 10.5, 1234],
  ["BRK.B", 20_454, 400, 410, 395, 405.25, 5e6],
  ["BRK.B", 20_455, 405, 406, 401, 402, 4e6],
  ["ZZZZZZZZZZ", 20_455, 1, 1, 1, 1, 1],
];

function expected(rows: Row[]) {
  const bySymbol = new Map<string, Row[]>();
  for (const r of rows) bySymbol.set(r[0], [...(bySymbol.get(r[0]) ?? []), r]);
  return [...bySymbol].map(([symbol, rs]) => ({
    symbol,
    day: rs.map((r) => r[1]),
    open: rs.map((r) => r[2]),
    high: rs.map((r) => r[3]),
    low: rs.map((r) => r[4]),
    close: rs.map((r) => r[5]),
    volume: rs.map((r) => r[6]),
  }));
}

function decodeAll(messages: Uint8Array[]) {
  return messages.map((m) => {
    const { symbol, day, open, high, low, close, volume } = fromBinary(SymbolBarsSchema, m);
    return { symbol, day, open, high, low, close, volume };
  });
}

function parseChunks(chunks: Uint8Array[]): Uint8Array[] {
  const parser = new BinaryCopyBarsParser();
  const out = chunks.flatMap((c) => parser.push(c));
  return [...out, ...parser.end()];
}

describe("BinaryCopyBarsParser", () => {
  const stream = binaryCopy(ROWS);

  it("answers one SymbolBars per symbol, bars in order, values exact", () => {
    expect(decodeAll(parseChunks([stream]))).toEqual(expected(ROWS));
  });

  it("answers the same however the stream is cut into chunks", () => {
    const whole = parseChunks([stream]);
    for (let cut = 1; cut < stream.length; cut++) {
      expect(parseChunks([stream.subarray(0, cut), stream.subarray(cut)]), `cut at ${cut}`).toEqual(whole);
    }
    const bytes = [...stream].map((b) => Uint8Array.of(b));
    expect(parseChunks(bytes)).toEqual(whole);
    expect(parseChunks([stream.subarray(0, 5), new Uint8Array(0), stream.subarray(5, 40), stream.subarray(40)])).toEqual(whole);
  });

  it("skips a header extension and answers nothing for an empty result", () => {
    expect(decodeAll(parseChunks([binaryCopy(ROWS, { extension: 5 })]))).toEqual(expected(ROWS));
    expect(parseChunks([binaryCopy([])])).toEqual([]);
  });

  it("ignores anything after the trailer", () => {
    expect(decodeAll(parseChunks([binaryCopy(ROWS.slice(0, 2)), Buffer.from("junk")]))).toEqual(expected(ROWS.slice(0, 2)));
  });

  it("refuses a stream that is not a binary COPY, a row of another shape, and a stream cut short", () => {
    expect(() => parseChunks([Buffer.from("A\t20454\t1\t2\t0.5\t1.5\t0\n".repeat(3))])).toThrow(/not a binary COPY/);
    const sixFields = binaryCopy(ROWS.slice(0, 1));
    sixFields.writeInt16BE(6, 19);
    expect(() => parseChunks([sixFields])).toThrow(/6 fields/);
    const nullClose = binaryCopy(ROWS.slice(0, 1));
    nullClose.writeInt32BE(-1, 19 + 2 + 4 + 1 + 8 + 3 * 12);
    expect(() => parseChunks([nullClose])).toThrow(/bad float8/);
    expect(() => parseChunks([binaryCopy(ROWS, { trailer: false })])).toThrow(/without its trailer/);
    expect(() => parseChunks([stream.subarray(0, stream.length - 30)])).toThrow(/without its trailer/);
  });
});

describe("symbolBarsFromBinaryCopy", () => {
  it("streams the messages of an async stream of chunks", async () => {
    async function* chunks() {
      const stream = binaryCopy(ROWS);
      for (let i = 0; i < stream.length; i += 37) yield stream.subarray(i, i + 37);
    }
    const out: Uint8Array[] = [];
    for await (const m of symbolBarsFromBinaryCopy(chunks())) out.push(m);
    expect(decodeAll(out)).toEqual(expected(ROWS));
  });
});
