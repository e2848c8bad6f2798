/** Plain-text output of the CLI: aligned tables, key/value blocks, durations. Pure. */

export type Cell = string | number | boolean | null | undefined;

export function cell(value: Cell): string {
  if (value === null || value === undefined || value === "") return "-";
  if (typeof value === "boolean") return value ? "yes" : "no";
  return String(value);
}

/** Columns padded to their widest cell; numbers right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((r) => r.map(cell));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => r[i]!.length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === "number" || r[i] === null || r[i] === undefined));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...text.map(line)].join("\n");
}

/** `Label:   value` lines, labels padded alike. */
export function keyValues(pairs: readonly (readonly [string, Cell])[]): string {
  const width = Math.max(...pairs.map(([k]) => k.length)) + 1;
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(width)}  ${cell(v)}`).join("\n");
}

/** 75 -> "1m 15s", 3725 -> "1h 2m 5s", 4.25 -> "4.3s". */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "-";
  if (seconds < 60) return `${Math.round(seconds * 10) / 10}s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts = [h > 0 ? `${h}h` : "", m > 0 || h > 0 ? `${m}m` : "", `${s % 60}s`];
  return parts.filter(Boolean).join(" ");
}

/** A timestamp as `2025-01-24 21:10:00Z` (RFC 3339 without the T and fraction), or "-". */
export function timestamp(value: Date | string | null | undefined): string {
  if (value === null || value === undefined || value === "") return "-";
  const iso = typeof value === "string" ? value : value.toISOString();
  return iso.replace("T", " ").replace(/\.\d+Z$/, "Z");
}

export function percent(value: number): string {
  return `${value.toFixed(1)}%`;
}

/** `[#######.......]` of `width` characters. */
export function bar(pct: number, width = 24): string {
  const p = Math.max(0, Math.min(100, pct));
  const filled = Math.round((p / 100) * width);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
}
