// symbols.csv: optional reference data for the csv provider, one row per symbol.
// Columns (header, any order, any case): symbol, name, sector, industry, sic_description,
// market_cap, list_date; optional: sic_code, exchange, type, delisted_date, sp500, nasdaq100.
// As of a date: rows listed after it are left out, and a row is inactive from its delisted_date.
// Rows without a symbol are skipped; an unreadable market cap or date is taken as unknown (null).
import { isValidIsoDate } from "@tickstock/common/trading-calendar.ts";
import { forEachLine, parseDecimal, splitCsvLine } from "./csv-format.ts";
import type { SymbolInfo } from "./types.ts";

export const SYMBOLS_FILE = "symbols.csv";

export async function readSymbolsFile(path: string, asOf: string, signal?: AbortSignal): Promise<SymbolInfo[]> {
  const symbols: SymbolInfo[] = [];
  let header: string[] | null = null;
  await forEachLine(
    path,
    (line) => {
      const fields = splitCsvLine(line.text);
      if (line.text.trim() === "" || fields === null) return;
      if (header === null) {
        header = fields.map((f) => f.trim().toLowerCase());
        return;
      }
      const columns = header;
      const get = (column: string) => {
        const at = columns.indexOf(column);
        return at === -1 ? "" : (fields[at] ?? "").trim();
      };
      const info = symbolRow(get, asOf);
      if (info) symbols.push(info);
    },
    signal,
  );
  return symbols;
}

function symbolRow(get: (column: string) => string, asOf: string): SymbolInfo | null {
  const symbol = get("symbol");
  const listDate = isoOrNull(get("list_date"));
  if (symbol === "" || (listDate !== null && listDate > asOf)) return null;
  const delisted = isoOrNull(get("delisted_date"));
  const active = delisted === null || delisted > asOf;
  const cap = parseDecimal(get("market_cap"));
  return {
    symbol,
    name: get("name") || symbol,
    sector: get("sector"),
    industry: get("industry"),
    sicCode: get("sic_code"),
    sicDescription: get("sic_description"),
    marketCap: Number.isFinite(cap) ? cap : null,
    listDate,
    active,
    delistedDate: active ? null : delisted,
    sp500: isYes(get("sp500")),
    nasdaq100: isYes(get("nasdaq100")),
    exchange: get("exchange"),
    type: get("type"),
  };
}

function isoOrNull(s: string): string | null {
  return isValidIsoDate(s) ? s : null;
}

function isYes(s: string): boolean {
  return ["true", "t", "yes", "y", "1"].includes(s.toLowerCase());
}
