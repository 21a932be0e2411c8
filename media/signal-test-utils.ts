// Helpers for tests that need audio: deterministic generators and the measurements that judge
// what a codec, resampler or filter did to a signal. Test code only; nothing here is on a hot path.
//
//   const rng = createRng(42);
//   const input = sine(1000, 8000, 1600, 10000);
//   const output = resampler.process(input);
//   const { lag } = bestLag(input, output, 40);     // output[i + lag] lines up with input[i]
//   assert.ok(snrDb(input, output, lag) > 40);

/** A deterministic source of uniform numbers in [0, 1), so a failing test fails the same way on every run. */
export type Rng = () => number;

/** Creates a seeded generator (mulberry32): the same seed gives the same sequence on every runtime. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Returns `length` random bytes drawn from `rng`. */
export function randomBytes(rng: Rng, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(rng() * 256);
  return out;
}

/** A sine of `frequency` Hz and peak `amplitude`, starting at `phase` radians, rounded to 16-bit PCM. */
export function sine(frequency: number, sampleRate: number, length: number, amplitude = 16384, phase = 0): Int16Array {
  const out = new Int16Array(length);
  const step = (2 * Math.PI * frequency) / sampleRate;
  for (let i = 0; i < length; i++) out[i] = clip16(Math.round(amplitude * Math.sin(phase + step * i)));
  return out;
}

/** A linear sweep from `startHz` to `endHz` over `length` samples, peak `amplitude`, as 16-bit PCM. */
export function chirp(startHz: number, endHz: number, sampleRate: number, length: number, amplitude = 16384): Int16Array {
  const out = new Int16Array(length);
  const duration = length / sampleRate;
  const sweepRate = (endHz - startHz) / duration;
  for (let i = 0; i < length; i++) {
    const t = i / sampleRate;
    const phase = 2 * Math.PI * (startHz * t + (sweepRate * t * t) / 2);
    out[i] = clip16(Math.round(amplitude * Math.sin(phase)));
  }
  return out;
}

/** White noise, uniform in [-amplitude, amplitude], as 16-bit PCM. */
export function whiteNoise(rng: Rng, length: number, amplitude = 16384): Int16Array {
  const out = new Int16Array(length);
  for (let i = 0; i < length; i++) out[i] = clip16(Math.round((rng() * 2 - 1) * amplitude));
  return out;
}

/** Root mean square of `samples[start..end)` (0 for an empty range). */
export function rms(samples: ArrayLike<number>, start = 0, end = samples.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += samples[i]! * samples[i]!;
  return end > start ? Math.sqrt(sum / (end - start)) : 0;
}

/**
 * Peak amplitude of the `frequency` Hz component of `samples[start..end)`: a Hann-windowed
 * correlation, so a pure sine of amplitude A reads A and components a few bins away barely leak.
 */
export function toneAmplitude(
  samples: ArrayLike<number>,
  frequency: number,
  sampleRate: number,
  start = 0,
  end = samples.length,
): number {
  const length = end - start;
  const step = (2 * Math.PI * frequency) / sampleRate;
  let re = 0;
  let im = 0;
  let windowSum = 0;
  for (let i = 0; i < length; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / length);
    const x = samples[start + i]! * w;
    re += x * Math.cos(step * i);
    im += x * Math.sin(step * i);
    windowSum += w;
  }
  return windowSum > 0 ? (2 * Math.hypot(re, im)) / windowSum : 0;
}

/** Level of `test` relative to `reference` in dB, from their RMS (negative when `test` is quieter). */
export function gainDb(reference: ArrayLike<number>, test: ArrayLike<number>): number {
  return 20 * Math.log10(rms(test) / rms(reference));
}

/**
 * Signal-to-noise ratio in dB of `test` against `reference`, comparing `test[i + lag]` with
 * `reference[i]` wherever both exist: the noise is their difference. Infinity when they match.
 */
export function snrDb(reference: ArrayLike<number>, test: ArrayLike<number>, lag = 0): number {
  const [start, end] = overlap(reference.length, test.length, lag);
  let signal = 0;
  let noise = 0;
  for (let i = start; i < end; i++) {
    const r = reference[i]!;
    const d = r - test[i + lag]!;
    signal += r * r;
    noise += d * d;
  }
  return 10 * Math.log10(signal / noise);
}

/**
 * Normalised cross-correlation of `a[i]` with `b[i + lag]` over their overlap, in [-1, 1]:
 * 1 when `b` is a positively scaled, shifted copy of `a`; 0 when either side is silent.
 */
export function normalizedCrossCorrelation(a: ArrayLike<number>, b: ArrayLike<number>, lag = 0): number {
  const [start, end] = overlap(a.length, b.length, lag);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = start; i < end; i++) {
    const x = a[i]!;
    const y = b[i + lag]!;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/** The lag in [minLag, maxLag] at which `test` best matches `reference`, and the correlation there. */
export function bestLag(
  reference: ArrayLike<number>,
  test: ArrayLike<number>,
  maxLag: number,
  minLag = -maxLag,
): { lag: number; correlation: number } {
  let best = { lag: minLag, correlation: -Infinity };
  for (let lag = minLag; lag <= maxLag; lag++) {
    const correlation = normalizedCrossCorrelation(reference, test, lag);
    if (correlation > best.correlation) best = { lag, correlation };
  }
  return best;
}

/** Indices [start, end) of `a` for which `b[i + lag]` also exists. */
function overlap(aLength: number, bLength: number, lag: number): [number, number] {
  return [Math.max(0, -lag), Math.min(aLength, bLength - lag)];
}

function clip16(value: number): number {
  return value > 32767 ? 32767 : value < -32768 ? -32768 : value;
}
