// Frame level measures in the time domain, all from one pass over the samples. Levels are in dB
// relative to a full-scale 16-bit square wave (dBFS), floored so silence gives a finite number
// the models can average.

/** The level digital silence reads as, in dBFS. */
export const SILENCE_DB = -100;

/** Samples at or beyond this magnitude count as clipped (a clipped recording piles them up at full scale). */
export const CLIP_LEVEL = 32000;

/** Time-domain measures of one frame. */
export interface FrameLevels {
  /** Root mean square amplitude. */
  rms: number;
  /** Largest absolute sample value. */
  peak: number;
  /** Fraction of adjacent sample pairs whose signs differ (0 to 1). */
  zeroCrossingRate: number;
  /** Fraction of samples at or beyond CLIP_LEVEL in magnitude. */
  clipped: number;
}

/** Measures `frame[from..to)` into `out` (and returns it). */
export function measureLevels(frame: ArrayLike<number>, from = 0, to = frame.length, out: FrameLevels = { rms: 0, peak: 0, zeroCrossingRate: 0, clipped: 0 }): FrameLevels {
  let sum = 0;
  let peak = 0;
  let crossings = 0;
  let clipped = 0;
  let previousNonNegative = to > from ? frame[from]! >= 0 : true;
  for (let i = from; i < to; i++) {
    const x = frame[i]!;
    sum += x * x;
    const magnitude = x < 0 ? -x : x;
    if (magnitude > peak) peak = magnitude;
    if (magnitude >= CLIP_LEVEL) clipped++;
    const nonNegative = x >= 0;
    if (nonNegative !== previousNonNegative) crossings++;
    previousNonNegative = nonNegative;
  }
  const length = to - from;
  out.rms = length > 0 ? Math.sqrt(sum / length) : 0;
  out.peak = peak;
  out.zeroCrossingRate = length > 1 ? crossings / (length - 1) : 0;
  out.clipped = length > 0 ? clipped / length : 0;
  return out;
}

/** Converts an RMS amplitude of 16-bit PCM to dBFS, floored at SILENCE_DB. */
export function levelDb(rms: number): number {
  return rms > 0 ? Math.max(SILENCE_DB, 20 * Math.log10(rms / 32768)) : SILENCE_DB;
}
