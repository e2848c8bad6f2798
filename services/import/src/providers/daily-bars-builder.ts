import type { DailyBars, Rejection } from "./types.ts";

/** Appends rows into growing typed arrays; build() trims them into a DailyBars. */
export class DailyBarsBuilder {
  private readonly date: string;
  private size = 0;
  private capacity: number;
  private readonly symbols: string[] = [];
  private readonly sources: string[] | undefined;
  private open: Float64Array;
  private high: Float64Array;
  private low: Float64Array;
  private close: Float64Array;
  private volume: Float64Array;
  readonly rejected: Rejection[] = [];

  constructor(date: string, opts: { capacity?: number; withRowSources?: boolean } = {}) {
    this.date = date;
    this.capacity = Math.max(16, opts.capacity ?? 1024);
    this.sources = opts.withRowSources ? [] : undefined;
    this.open = new Float64Array(this.capacity);
    this.high = new Float64Array(this.capacity);
    this.low = new Float64Array(this.capacity);
    this.close = new Float64Array(this.capacity);
    this.volume = new Float64Array(this.capacity);
  }

  get length(): number {
    return this.size;
  }

  push(symbol: string, open: number, high: number, low: number, close: number, volume: number, source?: string): void {
    if (this.size === this.capacity) this.grow();
    const i = this.size++;
    this.symbols.push(symbol);
    this.sources?.push(source ?? "");
    this.open[i] = open;
    this.high[i] = high;
    this.low[i] = low;
    this.close[i] = close;
    this.volume[i] = volume;
  }

  reject(rejection: Rejection): void {
    this.rejected.push(rejection);
  }

  build(source?: string): DailyBars {
    const n = this.size;
    const bars: DailyBars = {
      date: this.date,
      symbols: this.symbols,
      open: this.open.slice(0, n),
      high: this.high.slice(0, n),
      low: this.low.slice(0, n),
      close: this.close.slice(0, n),
      volume: this.volume.slice(0, n),
      rejected: this.rejected,
    };
    if (this.sources) bars.rowSources = this.sources;
    if (source !== undefined) bars.source = source;
    return bars;
  }

  private grow(): void {
    this.capacity *= 2;
    const grown = (a: Float64Array) => {
      const b = new Float64Array(this.capacity);
      b.set(a);
      return b;
    };
    this.open = grown(this.open);
    this.high = grown(this.high);
    this.low = grown(this.low);
    this.close = grown(this.close);
    this.volume = grown(this.volume);
  }
}
