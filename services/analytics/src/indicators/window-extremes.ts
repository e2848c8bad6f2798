// The highest high and lowest low of a window sliding one bar at a time, TA-Lib's way (ta_STOCH.c,
// ta_WILLR.c): an extreme is rescanned only when it leaves the window, so the work is O(n) on
// ordinary data. Ties move the extreme to the newest bar, as TA-Lib's `<=` / `>=` do.
export class WindowExtremes {
  highest = 0;
  lowest = 0;
  private highestIdx = -1;
  private lowestIdx = -1;

  constructor(
    private readonly high: Float64Array,
    private readonly low: Float64Array,
  ) {}

  /** Moves the window to bars [trailing, today]; each call one bar further than the last. */
  advance(trailing: number, today: number): void {
    const { high, low } = this;
    if (this.lowestIdx < trailing) {
      let idx = trailing;
      let value = low[trailing];
      for (let i = trailing + 1; i <= today; i++) {
        if (low[i] < value) {
          idx = i;
          value = low[i];
        }
      }
      this.lowestIdx = idx;
      this.lowest = value;
    } else if (low[today] <= this.lowest) {
      this.lowestIdx = today;
      this.lowest = low[today];
    }
    if (this.highestIdx < trailing) {
      let idx = trailing;
      let value = high[trailing];
      for (let i = trailing + 1; i <= today; i++) {
        if (high[i] > value) {
          idx = i;
          value = high[i];
        }
      }
      this.highestIdx = idx;
      this.highest = value;
    } else if (high[today] >= this.highest) {
      this.highestIdx = today;
      this.highest = high[today];
    }
  }
}
