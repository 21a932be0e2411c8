/** Summary of a set of measurements (ms unless said otherwise). */
export interface Distribution {
  count: number;
  mean: number;
  p50: number;
  p99: number;
  max: number;
}

/** Rounds to microsecond precision when the unit is ms, which is all the clocks here resolve. */
function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Nearest-rank percentiles, mean and max of `values`; all NaN when there are none. */
export function distribution(values: ArrayLike<number>): Distribution {
  const sorted = Float64Array.from(values).sort();
  const count = sorted.length;
  if (count === 0) return { count, mean: Number.NaN, p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const at = (p: number) => sorted[Math.min(count - 1, Math.max(0, Math.ceil(p * count) - 1))]!;
  let sum = 0;
  for (const value of sorted) sum += value;
  return { count, mean: round3(sum / count), p50: round3(at(0.5)), p99: round3(at(0.99)), max: round3(sorted[count - 1]!) };
}

/** Wall-clock time in ms since the epoch with sub-millisecond precision, comparable across processes on one machine. */
export function absoluteNow(): number {
  return performance.timeOrigin + performance.now();
}
