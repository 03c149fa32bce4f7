/** Small statistics helpers for the benchmark: medians and percentiles. */

/** Percentiles of a sample (nearest-rank), in the sample's unit. */
export interface Summary {
  /** Number of samples. */
  n: number;
  /** The median. */
  p50: number;
  /** The 90th percentile. */
  p90: number;
  /** The 99th percentile. */
  p99: number;
  /** The largest sample. */
  max: number;
  /** The arithmetic mean. */
  mean: number;
}

/** The nearest-rank percentile `p` (0–100) of an ascending sample. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

/** Summarises a sample. */
export function summarise(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  let sum = 0;
  for (const s of sorted) sum += s;
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
  };
}

/** The median of a sample (the mean of the two middle values when even); NaN when any sample is NaN (a failed round). */
export function median(samples: readonly number[]): number {
  if (samples.length === 0 || samples.some(Number.isNaN)) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
