// Jitter and shimmer: the perturbation of the glottal period and of the peak amplitude from one
// moment to the next. Praat measures them cycle by cycle; here they come from per-frame pitch
// periods and amplitudes (10 ms apart), as three-point relative average perturbation (RAP,
// APQ3): each value against the mean of itself and its two neighbours, which cancels the slow
// glide of intonation and keeps the fast wobble that tension, creak and breathiness add.

/**
 * Mean over every interior point of a run of positive values of |v[i] - (v[i-1] + v[i] + v[i+1]) / 3|,
 * divided by the mean of those values. Zeros (unvoiced frames) break runs. 0 when no run has three points.
 */
export function relativeAveragePerturbation(values: ArrayLike<number>): number {
  let deviation = 0;
  let sum = 0;
  let count = 0;
  for (let i = 1; i + 1 < values.length; i++) {
    const a = values[i - 1]!;
    const b = values[i]!;
    const c = values[i + 1]!;
    if (a <= 0 || b <= 0 || c <= 0) continue;
    deviation += Math.abs(b - (a + b + c) / 3);
    sum += b;
    count++;
  }
  return count > 0 && sum > 0 ? deviation / sum : 0;
}

/** Frame-level jitter (RAP) of a sequence of pitch periods (any unit; 0 marks an unvoiced frame). */
export function jitter(periods: ArrayLike<number>): number {
  return relativeAveragePerturbation(periods);
}

/** Frame-level shimmer (APQ3) of a sequence of voiced-frame amplitudes (0 marks an unvoiced frame). */
export function shimmer(amplitudes: ArrayLike<number>): number {
  return relativeAveragePerturbation(amplitudes);
}
