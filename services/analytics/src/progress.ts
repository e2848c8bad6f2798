// A phase's progress as the contract's progress events carry it, and how often they go out.
// Pure: the clock is a parameter.

export interface PhaseProgressView {
  completedSymbols: number;
  totalSymbols: number;
  /** 0..100, one decimal. */
  percentComplete: number;
  /** Seconds left at the pace so far, one decimal; 0 when done or not yet measurable. */
  etaSeconds: number;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

export function progressOf(completed: number, total: number, elapsedSeconds: number): PhaseProgressView {
  const fraction = total > 0 ? Math.min(completed, total) / total : 1;
  const eta = fraction > 0 && fraction < 1 ? (elapsedSeconds / fraction) * (1 - fraction) : 0;
  return { completedSymbols: completed, totalSymbols: total, percentComplete: round1(fraction * 100), etaSeconds: round1(eta) };
}

/** True at most once per `intervalMs` (the first call always): "a few per second at most". */
export function createThrottle(intervalMs: number): (nowMs: number) => boolean {
  let last = Number.NEGATIVE_INFINITY;
  return (nowMs) => {
    if (nowMs - last < intervalMs) return false;
    last = nowMs;
    return true;
  };
}

/** Percent of symbols computed (not skipped), two decimals; 100 for an empty phase (nothing failed). */
export function successRate(successful: number, total: number): number {
  return total > 0 ? Math.round((successful / total) * 10_000) / 100 : 100;
}
