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
  /** Sign changes per sample pair (0 to 1); zero samples carry the previous sign. */
  zeroCrossingRate: number;
  /** Fraction of samples at or beyond CLIP_LEVEL in magnitude. */
  clipped: number;
}

/** Measures 16-bit `frame[from..to)` into `out` (and returns it). */
export function measureLevels(frame: Int16Array, from = 0, to = frame.length, out: FrameLevels = { rms: 0, peak: 0, zeroCrossingRate: 0, clipped: 0 }): FrameLevels {
  let sum = 0;
  let max = 0;
  let min = 0;
  let crossings = 0;
  let previous = to > from ? frame[from]! : 0;
  // Written without branches on the samples, which noise and speech make unpredictable.
  for (let i = from; i < to; i++) {
    const x = frame[i]!;
    sum += x * x;
    max = Math.max(max, x);
    min = Math.min(min, x);
    // Against the last non-zero sample, so a crossing through an exact zero counts once. The
    // product of two 16-bit samples is a 32-bit integer: its sign bit says whether it is negative.
    crossings += (x * previous) >>> 31;
    previous = x !== 0 ? x : previous;
  }
  // Clipping is rare: count it only when the extremes say there is some.
  let clipped = 0;
  if (max >= CLIP_LEVEL || min <= -CLIP_LEVEL) {
    for (let i = from; i < to; i++) if (frame[i]! >= CLIP_LEVEL || frame[i]! <= -CLIP_LEVEL) clipped++;
  }
  const peak = Math.max(max, -min);
  const length = to - from;
  out.rms = length > 0 ? Math.sqrt(sum / length) : 0;
  out.peak = peak;
  out.zeroCrossingRate = length > 1 ? crossings / (length - 1) : 0;
  out.clipped = length > 0 ? clipped / length : 0;
  return out;
}

/**
 * RMS amplitude of 16-bit `samples[from..to)`, the same number as `measureLevels(...).rms` at a
 * fraction of its cost: the squares of 16-bit samples are integers, whose sums are exact in any
 * order, so four running sums keep the loop free of a dependency chain.
 */
export function rmsOf(samples: Int16Array, from = 0, to = samples.length): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = from;
  for (; i + 3 < to; i += 4) {
    const a = samples[i]!;
    const b = samples[i + 1]!;
    const c = samples[i + 2]!;
    const d = samples[i + 3]!;
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += d * d;
  }
  for (; i < to; i++) s0 += samples[i]! * samples[i]!;
  const length = to - from;
  return length > 0 ? Math.sqrt((s0 + s1 + s2 + s3) / length) : 0;
}

/** Converts an RMS amplitude of 16-bit PCM to dBFS, floored at SILENCE_DB. */
export function levelDb(rms: number): number {
  return rms > 0 ? Math.max(SILENCE_DB, 20 * Math.log10(rms / 32768)) : SILENCE_DB;
}
