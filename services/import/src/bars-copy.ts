import type { DailyBars } from "./providers/types.ts";

/**
 * Formats a batch of daily bars as COPY text, symbol-major (every date of one
 * symbol, then the next symbol): rows then arrive in primary-key order, so
 * the (symbol, date) index is filled leaf by leaf instead of at random.
 * Yields chunks of about `chunkBytes`.
 */
export function* copyTextSymbolMajor(batches: readonly DailyBars[], chunkBytes = 1 << 18): Generator<string> {
  const rowsBySymbol = new Map<string, number[]>(); // symbol -> [batchIndex, rowIndex, …]
  for (let b = 0; b < batches.length; b++) {
    const { symbols } = batches[b]!;
    for (let i = 0; i < symbols.length; i++) {
      const s = symbols[i]!;
      let list = rowsBySymbol.get(s);
      if (!list) rowsBySymbol.set(s, (list = []));
      list.push(b, i);
    }
  }
  const order = [...rowsBySymbol.keys()].sort();
  let chunk = "";
  for (const symbol of order) {
    const list = rowsBySymbol.get(symbol)!;
    for (let k = 0; k < list.length; k += 2) {
      const batch = batches[list[k]!]!;
      const i = list[k + 1]!;
      chunk += `${symbol}\t${batch.date}\t${batch.open[i]}\t${batch.high[i]}\t${batch.low[i]}\t${batch.close[i]}\t${batch.volume[i]}\n`;
    }
    if (chunk.length >= chunkBytes) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** Rows of the batches in provider order (date-major): the naive baseline of the benchmark. */
export function* copyTextDateMajor(batches: readonly DailyBars[], chunkBytes = 1 << 18): Generator<string> {
  let chunk = "";
  for (const batch of batches) {
    for (let i = 0; i < batch.symbols.length; i++) {
      chunk += `${batch.symbols[i]}\t${batch.date}\t${batch.open[i]}\t${batch.high[i]}\t${batch.low[i]}\t${batch.close[i]}\t${batch.volume[i]}\n`;
      if (chunk.length >= chunkBytes) {
        yield chunk;
        chunk = "";
      }
    }
  }
  if (chunk.length > 0) yield chunk;
}
