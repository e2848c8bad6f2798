// Test data for the universe tests (imported by *.test.ts only).
import type { SymbolRecord } from "./types.ts";

export function sym(symbol: string, overrides: Partial<SymbolRecord> = {}): SymbolRecord {
  return {
    symbol,
    name: `${symbol} Inc.`,
    sector: "",
    industry: "",
    sicDescription: "",
    marketCap: 1e9,
    listDate: "2000-01-03",
    active: true,
    delistedDate: "",
    sp500: false,
    nasdaq100: false,
    exchange: "XNYS",
    type: "CS",
    ...overrides,
  };
}

/** `n` symbols with market caps from 1 ... n billion: S1 is the smallest. */
export function ladder(n: number, overrides: Partial<SymbolRecord> = {}): SymbolRecord[] {
  return Array.from({ length: n }, (_, i) => sym(`S${i + 1}`, { marketCap: (i + 1) * 1e9, ...overrides }));
}

const SECTORS = ["Technology", "Health Care", "Financials", "Industrials", "Consumer Staples", "Utilities", "Energy", ""];
const SIC = [
  "SERVICES-PREPACKAGED SOFTWARE", "SEMICONDUCTORS & RELATED DEVICES", "PHARMACEUTICAL PREPARATIONS",
  "BIOLOGICAL PRODUCTS, (NO DIAGNOSTIC SUBSTANCES)", "STATE COMMERCIAL BANKS", "FINANCE SERVICES", "ELECTRIC SERVICES",
  "CRUDE PETROLEUM & NATURAL GAS", "BOTTLED & CANNED SOFT DRINKS & CARBONATED WATERS", "COGENERATION SERVICES & SMALL POWER PRODUCERS",
  "ELECTRONIC COMPUTERS", "RETAIL-EATING PLACES",
];

/**
 * A deterministic market of `n` symbols shaped like the US one: log-normal market caps around
 * $600M (about 1 in 10 above $10B, a few dozen above $200B), 5% unknown, 3% dead, 2% listed in
 * the last 120 days.
 */
export function syntheticMarket(n: number, today = "2025-01-24", seed = 42): SymbolRecord[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const todayMs = Date.parse(`${today}T00:00:00Z`);
  return Array.from({ length: n }, (_, i) => {
    const ageDays = random() < 0.02 ? Math.floor(random() * 120) : Math.floor(random() * 40 * 365);
    const dead = random() < 0.03;
    return sym(`T${i.toString(36).toUpperCase()}`, {
      sector: SECTORS[Math.floor(random() * SECTORS.length)],
      sicDescription: SIC[Math.floor(random() * SIC.length)],
      marketCap: random() < 0.05 ? 0 : Math.round(10 ** Math.min(12.5, 8.8 + 0.9 * normal())),
      listDate: new Date(todayMs - ageDays * 86_400_000).toISOString().slice(0, 10),
      active: !dead,
      delistedDate: dead ? "2025-01-10" : "",
    });
  });
}
