// Statistics over a sequence of frames ("functionals" in the speech-analytics literature): they
// turn a variable-length utterance into a fixed-length vector a classifier can read.

/** Mean of `values` (0 when empty). */
export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return values.length > 0 ? sum / values.length : 0;
}

/** Population standard deviation of `values` (0 when fewer than two). */
export function standardDeviation(values: ArrayLike<number>): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += (values[i]! - m) ** 2;
  return Math.sqrt(sum / values.length);
}

/** The `fraction` quantile of `values` (nearest rank, 0 when empty); does not modify `values`. */
export function percentile(values: ArrayLike<number>, fraction: number): number {
  return quantiles(values, [fraction])[0]!;
}

/** Least-squares slope of `values` against `times` (0 when the times do not vary). */
export function slope(times: ArrayLike<number>, values: ArrayLike<number>): number {
  const mt = mean(times);
  const mv = mean(values);
  let covariance = 0;
  let variance = 0;
  for (let i = 0; i < times.length; i++) {
    covariance += (times[i]! - mt) * (values[i]! - mv);
    variance += (times[i]! - mt) ** 2;
  }
  return variance > 0 ? covariance / variance : 0;
}

/** Standard deviation of the first difference of `values` (how fast they move from frame to frame). */
export function deltaDeviation(values: ArrayLike<number>): number {
  if (values.length < 3) return 0;
  const count = values.length - 1;
  // The deltas' mean telescopes to (last - first) / count.
  const meanDelta = (values[count]! - values[0]!) / count;
  let sum = 0;
  for (let i = 1; i < values.length; i++) sum += (values[i]! - values[i - 1]! - meanDelta) ** 2;
  return Math.sqrt(sum / count);
}

/** Several quantiles of `values` from one sort (nearest rank, zeros when empty). */
export function quantiles(values: ArrayLike<number>, fractions: readonly number[]): number[] {
  if (values.length === 0) return fractions.map(() => 0);
  const sorted = Float64Array.from(values).sort();
  return fractions.map((fraction) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(fraction * sorted.length)))]!);
}
