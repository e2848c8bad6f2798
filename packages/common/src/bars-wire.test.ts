import { describe, expect, it } from "vitest";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { ImportService, ListBarsResponseSchema, SymbolBarsSchema } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { RawBarsService, encodeSymbolBars, writeInt32Varint } from "./bars-wire.ts";

const le = (values: number[]) => new Uint8Array(Float64Array.from(values).buffer);
const varints = (values: number[]) => {
  const out = new Uint8Array(values.length * 10);
  let at = 0;
  for (const v of values) at = writeInt32Varint(out, at, v);
  return out.subarray(0, at);
};

describe("writeInt32Varint", () => {
  it("writes what protobuf-es writes for an int32, negatives sign-extended to 10 bytes", () => {
    for (const v of [0, 1, 127, 128, 300, 16_383, 16_384, 20_454, 2 ** 28 - 1, 2 ** 28, 2 ** 31 - 1, -1, -2, -127, -128, -20_454, -(2 ** 28), -(2 ** 31)]) {
      expect(varints([v]), String(v)).toEqual(new BinaryWriter().int32(v).finish());
    }
  });
});

describe("encodeSymbolBars", () => {
  it("encodes the message protobuf-es encodes, and it decodes back to the same bars", () => {
    const bars = {
      symbol: "BRK.B",
      day: [-3, 0, 20_454, 20_455],
      open: [1.5, 0.1 + 0.2, 1e-300, 123456.789],
      high: [2, 3, 4, 5],
      low: [1, -0, 2.5e-10, 99],
      close: [1.75, 2.5, 3.25, 4.125],
      volume: [0, 1e12, 7, 9_007_199_254_740_991],
    };
    const bytes = encodeSymbolBars(new TextEncoder().encode(bars.symbol), 4, varints(bars.day), [le(bars.open), le(bars.high), le(bars.low), le(bars.close), le(bars.volume)]);
    expect(bytes).toEqual(toBinary(SymbolBarsSchema, create(SymbolBarsSchema, bars)));
    const back = fromBinary(SymbolBarsSchema, bytes);
    expect(back.day).toEqual(bars.day);
    expect(Object.is(back.low[1], -0)).toBe(true);
    expect(back.volume).toEqual(bars.volume);
  });

  it("writes only the symbol for a series without bars, and only `count` doubles of longer buffers", () => {
    const symbol = new TextEncoder().encode("AAA");
    expect(encodeSymbolBars(symbol, 0, new Uint8Array(0), [])).toEqual(toBinary(SymbolBarsSchema, create(SymbolBarsSchema, { symbol: "AAA" })));
    const long = le([1, 2, 3, 4]);
    const one = encodeSymbolBars(symbol, 1, varints([5]), [long, long, long, long, long]);
    expect(fromBinary(SymbolBarsSchema, one).close).toEqual([1]);
  });
});

describe("RawBarsService", () => {
  it("is ImportService with the same methods", () => {
    expect(RawBarsService.typeName).toBe(ImportService.typeName);
    expect(RawBarsService.methods.map((m) => m.name)).toEqual(ImportService.methods.map((m) => m.name));
  });

  it("carries ListBarsResponse.series as the raw bytes of each SymbolBars, both ways", () => {
    const listBars = RawBarsService.methods.find((m) => m.name === "ListBars")!;
    const one = create(SymbolBarsSchema, { symbol: "AAA", day: [1, 2], close: [3, 4] });
    const wire = toBinary(ListBarsResponseSchema, create(ListBarsResponseSchema, { series: [one, one] }));
    const raw = fromBinary(listBars.output, wire) as unknown as { series: Uint8Array[] };
    expect(raw.series).toHaveLength(2);
    expect(raw.series[1]).toEqual(toBinary(SymbolBarsSchema, one));
    expect(toBinary(listBars.output, create(listBars.output, raw as never))).toEqual(wire);
  });
});
