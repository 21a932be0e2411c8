// Frame level measures in the time domain. Levels are in dB relative to a full-scale 16-bit
// square wave (dBFS), floored so silence gives a finite number the models can average.

/** The level digital silence reads as, in dBFS. */
export const SILENCE_DB = -100;

/** Root mean square of `frame[0..length)`. */
export function rootMeanSquare(frame: ArrayLike<number>, length = frame.length): number {
  let sum = 0;
  for (let i = 0; i < length; i++) sum += frame[i]! * frame[i]!;
  return length > 0 ? Math.sqrt(sum / length) : 0;
}

/** Converts an RMS amplitude of 16-bit PCM to dBFS, floored at SILENCE_DB. */
export function levelDb(rms: number): number {
  return rms > 0 ? Math.max(SILENCE_DB, 20 * Math.log10(rms / 32768)) : SILENCE_DB;
}

/** Fraction of adjacent sample pairs in `frame` whose signs differ (0 to 1). */
export function zeroCrossingRate(frame: ArrayLike<number>, length = frame.length): number {
  let crossings = 0;
  for (let i = 1; i < length; i++) {
    if ((frame[i]! >= 0) !== (frame[i - 1]! >= 0)) crossings++;
  }
  return length > 1 ? crossings / (length - 1) : 0;
}

/** Fraction of samples at or beyond `threshold` in magnitude (a clipped recording piles them up at full scale). */
export function clippedFraction(frame: ArrayLike<number>, threshold = 32000, length = frame.length): number {
  let clipped = 0;
  for (let i = 0; i < length; i++) {
    const x = frame[i]!;
    if (x >= threshold || x <= -threshold) clipped++;
  }
  return length > 0 ? clipped / length : 0;
}

/** Largest absolute sample value in `frame[0..length)`. */
export function peakAmplitude(frame: ArrayLike<number>, length = frame.length): number {
  let peak = 0;
  for (let i = 0; i < length; i++) {
    const x = frame[i]! < 0 ? -frame[i]! : frame[i]!;
    if (x > peak) peak = x;
  }
  return peak;
}
