import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { ListSymbolsResponseSchema } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { symbolRecordsOf } from "./market-data.ts";

describe("symbolRecordsOf", () => {
  it("turns a columnar batch into one record per symbol", () => {
    const batch = create(ListSymbolsResponseSchema, {
      symbol: ["AAA", "BBB"],
      name: ["A Inc.", "B Corp."],
      sector: ["Technology", ""],
      industry: ["Software", ""],
      sicDescription: ["SERVICES-PREPACKAGED SOFTWARE", ""],
      marketCap: [12e9, 0],
      listDate: ["2001-02-03", ""],
      active: [true, false],
      delistedDate: ["", "2025-01-10"],
      sp500: [true, false],
      nasdaq100: [false, false],
      exchange: ["XNAS", "XNYS"],
      type: ["CS", "CS"],
    });
    expect(symbolRecordsOf(batch)).toEqual([
      { symbol: "AAA", name: "A Inc.", sector: "Technology", industry: "Software", sicDescription: "SERVICES-PREPACKAGED SOFTWARE", marketCap: 12e9, listDate: "2001-02-03", active: true, delistedDate: "", sp500: true, nasdaq100: false, exchange: "XNAS", type: "CS" },
      { symbol: "BBB", name: "B Corp.", sector: "", industry: "", sicDescription: "", marketCap: 0, listDate: "", active: false, delistedDate: "2025-01-10", sp500: false, nasdaq100: false, exchange: "XNYS", type: "CS" },
    ]);
  });

  it("reads missing columns as empty values, never as undefined", () => {
    const [record] = symbolRecordsOf(create(ListSymbolsResponseSchema, { symbol: ["ZZZ"] }));
    expect(record).toMatchObject({ symbol: "ZZZ", sector: "", marketCap: 0, active: false, delistedDate: "" });
  });
});
