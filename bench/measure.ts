// The benchmark harness: warm up, then time several rounds and report
// min / median / max. Figures are only compared within one run (same machine,
// same Node version).

export interface Stats {
  min: number;
  median: number;
  max: number;
}

export interface MeasureOptions {
  warmupRounds?: number;
  rounds?: number;
}

/** Runs `round` (which returns the figure of one round) after warm-up rounds; returns the stats of the rest. */
export async function measure(round: () => Promise<number>, options: MeasureOptions = {}): Promise<Stats> {
  const { warmupRounds = 2, rounds = 7 } = options;
  for (let i = 0; i < warmupRounds; i++) await round();
  const figures: number[] = [];
  for (let i = 0; i < rounds; i++) figures.push(await round());
  return stats(figures);
}

export function stats(figures: number[]): Stats {
  const sorted = [...figures].sort((a, b) => a - b);
  return { min: sorted[0]!, median: sorted[Math.floor(sorted.length / 2)]!, max: sorted[sorted.length - 1]! };
}

export function fmt(n: number, digits = 2): string {
  return n >= 100 ? n.toFixed(0) : n.toFixed(digits);
}

export function fmtStats(s: Stats, digits = 2): string {
  return `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
}

/** Microseconds elapsed since `startMs` (a performance.now() reading). */
export function microsSince(startMs: number): number {
  return (performance.now() - startMs) * 1000;
}
