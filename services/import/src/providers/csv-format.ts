// CSV reading for the csv provider: lines with their byte offsets (streamed, so a file of any
// size costs one chunk of memory), fields with optional double quotes ("" inside quotes is a
// quote, commas inside quotes are kept), CRLF and a UTF-8 BOM tolerated, strict numbers.
// A quoted field may not span lines: one line is one row.
import { createReadStream } from "node:fs";

export interface Line {
  /** 1-based line number in the file. */
  number: number;
  /** Byte offset of the line's first byte, and of the byte after its last (before \r\n). */
  start: number;
  end: number;
  text: string;
}

const LF = 0x0a;
const CR = 0x0d;

/** Streams the lines of a file (the last one may lack a newline) to `onLine`. */
export async function forEachLine(path: string, onLine: (line: Line) => void, signal?: AbortSignal): Promise<void> {
  const stream = createReadStream(path, { highWaterMark: 1 << 20, signal });
  let carry: Buffer = Buffer.alloc(0);
  let carryStart = 0; // file offset of carry[0]
  let number = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    let lineStart = 0;
    for (let nl = buf.indexOf(LF); nl !== -1; nl = buf.indexOf(LF, lineStart)) {
      emit(buf, lineStart, nl);
      lineStart = nl + 1;
    }
    carryStart += lineStart;
    carry = buf.subarray(lineStart);
  }
  if (carry.length) emit(carry, 0, carry.length);

  function emit(buf: Buffer, from: number, to: number) {
    const end = to > from && buf[to - 1] === CR ? to - 1 : to;
    number++;
    let text = buf.toString("utf8", from, end);
    if (number === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    onLine({ number, start: carryStart + from, end: carryStart + end, text });
  }
}

/** Splits the lines of a byte range read back from a file (the same rules as forEachLine). */
export function splitLines(buf: Buffer, firstNumber: number, firstOffset: number): Line[] {
  const lines: Line[] = [];
  let from = 0;
  let number = firstNumber;
  while (from <= buf.length) {
    let nl = buf.indexOf(LF, from);
    if (nl === -1) nl = buf.length;
    const end = nl > from && buf[nl - 1] === CR ? nl - 1 : nl;
    if (nl > from || nl < buf.length) {
      lines.push({ number, start: firstOffset + from, end: firstOffset + end, text: buf.toString("utf8", from, end) });
    }
    number++;
    from = nl + 1;
  }
  return lines;
}

/** The fields of one line, or null when a quote is never closed. */
export function splitCsvLine(line: string): string[] | null {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === " " || line[i] === "\t") i++;
    if (line[i] === '"') {
      let value = "";
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q === -1) return null;
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      const comma = line.indexOf(",", i);
      // Anything between the closing quote and the comma (spaces) is dropped.
      fields.push(value);
      if (comma === -1) return fields;
      i = comma + 1;
    } else {
      const comma = line.indexOf(",", i);
      if (comma === -1) {
        fields.push(line.slice(i).trim());
        return fields;
      }
      fields.push(line.slice(i, comma).trim());
      i = comma + 1;
    }
  }
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A plain decimal ("12", "12.5", "1e6"), or NaN for anything else (empty, "1,234", "NaN", "0x1"). */
export function parseDecimal(s: string): number {
  return DECIMAL.test(s) ? Number(s) : Number.NaN;
}
