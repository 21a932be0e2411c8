// Detection and classification figures: equal error rate, recall at a false-alarm rate,
// unweighted accuracy. Scores are "higher means more target-like" throughout.

/** The operating point where misses and false alarms are equally frequent. */
export interface EqualErrorRate {
  /** The equal error rate, 0 to 1. */
  rate: number;
  /** The score threshold at which it is reached (accept when score >= threshold). */
  threshold: number;
}

/** Equal error rate of target and non-target scores (the mean of the two rates where they cross). */
export function equalErrorRate(targets: readonly number[], nonTargets: readonly number[]): EqualErrorRate {
  if (targets.length === 0 || nonTargets.length === 0) return { rate: Number.NaN, threshold: Number.NaN };
  const sortedTargets = [...targets].sort((a, b) => a - b);
  const sortedNon = [...nonTargets].sort((a, b) => a - b);
  const candidates = [...new Set([...sortedTargets, ...sortedNon])].sort((a, b) => a - b);
  let best = { gap: Infinity, rate: 1, threshold: candidates[0]! };
  let t = 0;
  let f = 0;
  for (const threshold of candidates) {
    while (t < sortedTargets.length && sortedTargets[t]! < threshold) t++;
    while (f < sortedNon.length && sortedNon[f]! < threshold) f++;
    const miss = t / sortedTargets.length;
    const falseAlarm = (sortedNon.length - f) / sortedNon.length;
    const gap = Math.abs(miss - falseAlarm);
    if (gap < best.gap) best = { gap, rate: (miss + falseAlarm) / 2, threshold };
  }
  return { rate: best.rate, threshold: best.threshold };
}

/** Share of targets detected at the threshold that lets through at most `falseAlarmRate` of non-targets. */
export function recallAtFalseAlarm(targets: readonly number[], nonTargets: readonly number[], falseAlarmRate: number): number {
  const sortedNon = [...nonTargets].sort((a, b) => b - a);
  const allowed = Math.floor(falseAlarmRate * sortedNon.length);
  // Accept scores strictly above the (allowed+1)-th highest non-target score.
  const threshold = sortedNon[allowed] ?? -Infinity;
  return targets.filter((score) => score > threshold).length / targets.length;
}

/** A confusion matrix: rows are true classes, columns predicted. */
export type Confusion = number[][];

/** Mean over classes of each class's recall (unweighted accuracy). */
export function unweightedAccuracy(confusion: Confusion): number {
  const recalls = confusion.map((row, k) => row[k]! / Math.max(1, row.reduce((a, b) => a + b, 0)));
  return recalls.reduce((a, b) => a + b, 0) / recalls.length;
}

/** Per-class recall of a confusion matrix. */
export function classRecalls(confusion: Confusion): number[] {
  return confusion.map((row, k) => row[k]! / Math.max(1, row.reduce((a, b) => a + b, 0)));
}

/** Index of the largest value. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
