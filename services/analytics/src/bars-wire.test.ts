import { describe, expect, it } from "vitest";
import { create, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { SymbolBarsSchema } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { decodeSeries } from "./bars-wire.ts";
import { packSeries, seriesAt } from "./batch.ts";
import { generateBars } from "./compute-speed.ts";
import type { BarSeries } from "./compute.ts";

const encode = (symbol: string, b: BarSeries) =>
  toBinary(SymbolBarsSchema, create(SymbolBarsSchema, { symbol, day: Array.from(b.day), open: Array.from(b.open), high: Array.from(b.high), low: Array.from(b.low), close: Array.from(b.close), volume: Array.from(b.volume) }));

describe("decodeSeries", () => {
  const a = generateBars(300, 1);
  const b = generateBars(40, 2);

  it("decodes what protobuf-es encodes (packed), in the order asked, exactly as packSeries packs it", () => {
    const batch = decodeSeries(["BBB", "AAA"], [encode("AAA", a), encode("BBB", b)]);
    expect(batch.symbols).toEqual(["BBB", "AAA"]);
    expect(Array.from(batch.offsets)).toEqual([0, 40, 340]);
    expect(seriesAt(batch, 0)).toEqual(b);
    expect(seriesAt(batch, 1)).toEqual(a);
    const columns = (symbol: string, s: BarSeries) => ({ symbol, ...s });
    expect(batch).toEqual(packSeries([columns("BBB", b), columns("AAA", a)]));
  });

  it("gives a symbol without a message zero bars", () => {
    const batch = decodeSeries(["AAA", "NONE"], [encode("AAA", a)]);
    expect(Array.from(batch.offsets)).toEqual([0, 300, 300]);
  });

  it("reads unpacked fields, packed fields split in several runs, and skips unknown fields", () => {
    const w = new BinaryWriter();
    w.tag(99, WireType.LengthDelimited).string("future field");
    w.tag(1, WireType.LengthDelimited).string("MIX");
    for (let i = 0; i < 3; i++) w.tag(2, WireType.Varint).int32(b.day[i]);
    for (const [field, col] of [[3, b.open], [4, b.high], [5, b.low], [6, b.close], [7, b.volume]] as const) {
      w.tag(field, WireType.LengthDelimited).fork();
      w.double(col[0]).double(col[1]);
      w.join();
      w.tag(field, WireType.Bit64).double(col[2]);
    }
    w.tag(98, WireType.Varint).int32(7);
    const batch = decodeSeries(["MIX"], [w.finish()]);
    const s = seriesAt(batch, 0);
    expect(Array.from(s.day)).toEqual(Array.from(b.day.subarray(0, 3)));
    expect(Array.from(s.close)).toEqual(Array.from(b.close.subarray(0, 3)));
    expect(Array.from(s.volume)).toEqual(Array.from(b.volume.subarray(0, 3)));
  });

  it("refuses a message whose columns differ in length", () => {
    const bad = toBinary(SymbolBarsSchema, create(SymbolBarsSchema, { symbol: "BAD", day: [1, 2], open: [1], high: [1, 2], low: [1, 2], close: [1, 2], volume: [1, 2] }));
    expect(() => decodeSeries(["BAD"], [bad])).toThrow(/different lengths/);
  });

  it("decodes negative and large day numbers", () => {
    const bytes = toBinary(SymbolBarsSchema, create(SymbolBarsSchema, { symbol: "OLD", day: [-25_567, 0, 2_000_000], open: [1, 2, 3], high: [1, 2, 3], low: [1, 2, 3], close: [1, 2, 3], volume: [0, 0, 1e12] }));
    const s = seriesAt(decodeSeries(["OLD"], [bytes]), 0);
    expect(Array.from(s.day)).toEqual([-25_567, 0, 2_000_000]);
    expect(Array.from(s.volume)).toEqual([0, 0, 1e12]);
  });
});
