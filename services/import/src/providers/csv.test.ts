import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateDailyBars } from "../validation.ts";
import { parseDecimal, splitCsvLine } from "./csv-format.ts";
import { createProvider } from "./index.ts";
import { ProviderError, type DailyBars } from "./types.ts";

const HEADER = "symbol,date,open,high,low,close,volume";
const dirs: string[] = [];

async function csvDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tickstock-csv-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

const provider = (dir: string) => createProvider({ provider: "csv", dir });
const rows = (b: DailyBars) => b.symbols.map((s, i) => [s, b.open[i], b.high[i], b.low[i], b.close[i], b.volume[i], b.rowSources?.[i]]);
const reasons = (b: DailyBars) => b.rejected.map((r) => `${r.source} ${r.symbol} ${r.reason}`);

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe("csv provider: good rows", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await csvDir({
      "a.csv": [HEADER, "AAPL,2025-01-23,220,225,219,224,1000", "AAPL,2025-01-24,224,226,221,222.78,54217301", "MSFT,2025-01-24,445.16,446.65,441.4,444.06,15983220.5", ""].join("\n"),
      "b.csv": [HEADER, "KO,2025-01-24,62.7,63.41,62.55,63.12,12650712", "KO,2025-01-27,63,64,62,63.5,100"].join("\n"),
      "notes.txt": "not a csv file",
    });
  });

  it("returns the date's rows from every file, with their file and line", async () => {
    const b = await provider(dir).dailyBars("2025-01-24");
    expect(b.date).toBe("2025-01-24");
    expect(rows(b)).toEqual([
      ["AAPL", 224, 226, 221, 222.78, 54217301, "a.csv:3"],
      ["MSFT", 445.16, 446.65, 441.4, 444.06, 15983220.5, "a.csv:4"],
      ["KO", 62.7, 63.41, 62.55, 63.12, 12650712, "b.csv:2"],
    ]);
    expect(b.rejected).toEqual([]);
  });

  it("gives an empty batch for a date without rows (weekend, holiday, not in the files)", async () => {
    const p = provider(dir);
    for (const date of ["2025-01-25", "2025-01-01", "2030-01-02"]) {
      const b = await p.dailyBars(date);
      expect(b.symbols).toEqual([]);
      expect(b.rejected).toEqual([]);
    }
  });

  it("lists the distinct symbols seen, name = symbol, other fields empty", async () => {
    const symbols = await provider(dir).listSymbols("2025-01-24");
    expect(symbols.map((s) => s.symbol)).toEqual(["AAPL", "KO", "MSFT"]);
    expect(symbols[0]).toEqual({
      symbol: "AAPL", name: "AAPL", sector: "", industry: "", sicCode: "", sicDescription: "", marketCap: null,
      listDate: null, active: true, delistedDate: null, sp500: false, nasdaq100: false, exchange: "", type: "",
    });
  });

  it("reads a header in any case and order, with extra columns, quotes, CRLF and a BOM", async () => {
    const d = await csvDir({
      "q.csv":
        '\uFEFFDate,"Symbol",Open,HIGH,Low,Close,Volume,Note\r\n' +
        '2025-01-24,"BRK.A","700000.5","701000",699000,700500,"12","said ""hi"", twice"\r\n' +
        ' 2025-01-24 , SPY , 609.81 , 610.78 , 606.8 , 607.97 , 43011958.5 , \r\n',
    });
    const b = await provider(d).dailyBars("2025-01-24");
    expect(rows(b)).toEqual([
      ["BRK.A", 700000.5, 701000, 699000, 700500, 12, "q.csv:2"],
      ["SPY", 609.81, 610.78, 606.8, 607.97, 43011958.5, "q.csv:3"],
    ]);
    expect(b.rejected).toEqual([]);
  });

  it("reads a file without a final newline", async () => {
    const d = await csvDir({ "n.csv": `${HEADER}\nA,2025-01-24,1,2,0.5,1.5,10` });
    expect(rows(await provider(d).dailyBars("2025-01-24"))).toEqual([["A", 1, 2, 0.5, 1.5, 10, "n.csv:2"]]);
  });
});

describe("csv provider: bad rows", () => {
  it("reports each bad row with file and line, and keeps the rest", async () => {
    const d = await csvDir({
      "bad.csv": [
        HEADER,
        "AAPL,2025-01-24,224,226,221,222.78,100", // 2 good
        "MSFT,2025-01-24,445,446,441", // 3 too few columns
        "NVDA,2025-01-24,abc,149,141,142,100", // 4 not a number
        "AMZN,2025-01-24,234,236,232,,100", // 5 empty close
        'JPM,2025-01-24,266,268,264,266,"8,120,455"', // 6 thousands separators
        "KO,2025-01-24,62,63,62,63,12,extra", // 7 too many columns
        ",2025-01-24,1,1,1,1,1", // 8 no symbol
        'SPY,2025-01-24,"609.81,610,600,605,1', // 9 unterminated quote: no date to file it under
        "PEP,2025-01-24,150,151,149,150.5,100", // 10 good
      ].join("\n"),
    });
    const b = await provider(d).dailyBars("2025-01-24");
    expect(rows(b).map((r) => r[0])).toEqual(["AAPL", "PEP"]);
    expect(reasons(b)).toEqual([
      "bad.csv:9 SPY unterminated quote",
      "bad.csv:3 MSFT expected 7 columns, got 5",
      'bad.csv:4 NVDA open "abc" is not a number',
      'bad.csv:5 AMZN close "" is not a number',
      'bad.csv:6 JPM volume "8,120,455" is not a number',
      "bad.csv:7 KO expected 7 columns, got 8",
      "bad.csv:8  symbol is empty",
    ]);
  });

  it("reports rows with an unreadable date once, in the first batch served", async () => {
    const d = await csvDir({
      "dates.csv": [HEADER, "AAPL,01/24/2025,1,1,1,1,1", "AAPL,2025-02-30,1,1,1,1,1", "AAPL,2025-01-24,1,1,1,1,1"].join("\n"),
    });
    const p = provider(d);
    const first = await p.dailyBars("2025-01-27");
    expect(first.symbols).toEqual([]);
    expect(first.rejected).toEqual([
      { symbol: "AAPL", date: "01/24/2025", reason: 'date "01/24/2025" is not YYYY-MM-DD', source: "dates.csv:2" },
      { symbol: "AAPL", date: "2025-02-30", reason: 'date "2025-02-30" is not YYYY-MM-DD', source: "dates.csv:3" },
    ]);
    const second = await p.dailyBars("2025-01-24");
    expect(second.symbols).toEqual(["AAPL"]);
    expect(second.rejected).toEqual([]);
  });

  it("rejects a duplicate (symbol, date), in one file or across files, keeping the first", async () => {
    const d = await csvDir({
      "1.csv": [HEADER, "AAPL,2025-01-24,10,11,9,10,1", "AAPL,2025-01-24,20,21,19,20,2"].join("\n"),
      "2.csv": [HEADER, "AAPL,2025-01-24,30,31,29,30,3", "AAPL,2025-01-23,30,31,29,30,3"].join("\n"),
    });
    const b = await provider(d).dailyBars("2025-01-24");
    expect(rows(b)).toEqual([["AAPL", 10, 11, 9, 10, 1, "1.csv:2"]]);
    expect(reasons(b)).toEqual(["1.csv:3 AAPL duplicate (symbol, date): first at 1.csv:2", "2.csv:2 AAPL duplicate (symbol, date): first at 1.csv:2"]);
  });

  it("skips a file whose header lacks a column, and says so", async () => {
    const d = await csvDir({
      "good.csv": [HEADER, "A,2025-01-24,1,1,1,1,1"].join("\n"),
      "nohead.csv": ["A,2025-01-24,1,1,1,1,1", "B,2025-01-24,1,1,1,1,1"].join("\n"),
    });
    const b = await provider(d).dailyBars("2025-01-24");
    expect(b.symbols).toEqual(["A"]);
    expect(b.rejected).toEqual([
      { symbol: "", date: "", reason: expect.stringMatching(/^file skipped: header lacks symbol, date, open/), source: "nohead.csv:1" },
    ]);
  });

  it("leaves value checks to validation, which names the line", async () => {
    const d = await csvDir({ "v.csv": [HEADER, "aapl,2025-01-24,10,11,9,10,1", "MSFT,2025-01-24,10,9,9,10,1"].join("\n") });
    const { valid, rejected } = validateDailyBars(await provider(d).dailyBars("2025-01-24"));
    expect(valid.symbols).toEqual([]);
    expect(rejected.map((r) => r.source)).toEqual(["v.csv:2", "v.csv:3"]);
  });

  it("fails with not_found for a directory that does not exist", async () => {
    const p = provider(join(tmpdir(), "tickstock-no-such-dir-4711"));
    await expect(p.dailyBars("2025-01-24")).rejects.toMatchObject({ name: "ProviderError", kind: "not_found" });
    await expect(p.listSymbols("2025-01-24")).rejects.toBeInstanceOf(ProviderError);
  });
});

describe("csv provider: large files", () => {
  it("indexes a multi-megabyte file and reads back runs that cross read chunks", async () => {
    // 60,000 lines, two dates alternating in runs of 7 lines: runs straddle the 1 MiB chunks.
    const lines = [HEADER];
    for (let i = 0; i < 60_000; i++) {
      const date = Math.floor(i / 7) % 2 === 0 ? "2025-01-23" : "2025-01-24";
      lines.push(`S${String(i).padStart(6, "0")},${date},${(10 + (i % 100) / 100).toFixed(2)},20.00,5.00,10.50,${i}\r`);
    }
    const d = await csvDir({ "big.csv": lines.join("\n") + "\n" });
    const p = provider(d);
    const b = await p.dailyBars("2025-01-24");
    expect(b.rejected).toEqual([]);
    expect(b.symbols).toHaveLength(lines.filter((l) => l.includes("2025-01-24")).length);
    for (const k of [0, 1234, b.symbols.length - 1]) {
      const i = Number(b.symbols[k]!.slice(1));
      expect([b.volume[k], b.rowSources![k]]).toEqual([i, `big.csv:${i + 2}`]);
      expect(b.open[k]).toBe(Number((10 + (i % 100) / 100).toFixed(2)));
    }
    expect((await p.listSymbols("2025-01-24")).length).toBe(60_000);
  });
});

describe("csv provider: symbols.csv", () => {
  it("uses symbols.csv for reference data as of the date, and does not read it as bars", async () => {
    const d = await csvDir({
      "bars.csv": [HEADER, "AAPL,2025-01-24,1,1,1,1,1"].join("\n"),
      "symbols.csv": [
        "symbol,name,sector,industry,sic_description,market_cap,list_date,delisted_date,sp500,exchange",
        'AAPL,"Apple Inc.",Information Technology,Computer Hardware,ELECTRONIC COMPUTERS,3346417234560.12,1980-12-12,,true,XNAS',
        "NEWCO,New Co,Health Care,Biotechnology,PHARMACEUTICAL PREPARATIONS,,2026-01-05,,,XNYS",
        "OLDCO,Old Co,Energy,,,not-a-number,1990-01-02,2024-06-03,no,XNYS",
      ].join("\n"),
    });
    const p = provider(d);
    const symbols = await p.listSymbols("2025-01-24");
    expect(symbols).toEqual([
      {
        symbol: "AAPL", name: "Apple Inc.", sector: "Information Technology", industry: "Computer Hardware", sicCode: "",
        sicDescription: "ELECTRONIC COMPUTERS", marketCap: 3346417234560.12, listDate: "1980-12-12", active: true,
        delistedDate: null, sp500: true, nasdaq100: false, exchange: "XNAS", type: "",
      },
      {
        symbol: "OLDCO", name: "Old Co", sector: "Energy", industry: "", sicCode: "", sicDescription: "", marketCap: null,
        listDate: "1990-01-02", active: false, delistedDate: "2024-06-03", sp500: false, nasdaq100: false, exchange: "XNYS", type: "",
      },
    ]);
    expect((await p.listSymbols("2026-02-01")).map((s) => s.symbol)).toEqual(["AAPL", "NEWCO", "OLDCO"]);
    expect((await p.dailyBars("2025-01-24")).rejected).toEqual([]);
  });
});

describe("csv fields", () => {
  it.each([
    ["a,b,c", ["a", "b", "c"]],
    [" a , b ", ["a", "b"]],
    ['"a,b",c', ["a,b", "c"]],
    ['"say ""hi""",x', ['say "hi"', "x"]],
    ['"a" ,b', ["a", "b"]],
    ["a,,", ["a", "", ""]],
    ["", [""]],
  ])("splits %j", (line, fields) => {
    expect(splitCsvLine(line)).toEqual(fields);
  });

  it("returns null for an unterminated quote", () => {
    expect(splitCsvLine('a,"b')).toBeNull();
  });

  it.each([
    ["12", 12],
    ["12.5", 12.5],
    ["-0.5", -0.5],
    [".5", 0.5],
    ["1e6", 1e6],
    ["25933.6", 25933.6],
  ])("parses the number %j", (s, n) => {
    expect(parseDecimal(s)).toBe(n);
  });

  it.each(["", " ", "abc", "1,234", "NaN", "Infinity", "0x10", "1.2.3", "12abc"])("refuses %j as a number", (s) => {
    expect(parseDecimal(s)).toBeNaN();
  });
});
