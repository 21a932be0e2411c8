// The resampler's filter: a Kaiser-windowed sinc for a rational ratio up/down, split into `up`
// polyphase components. Conceptually the input is upsampled by `up` (zeros inserted), low-pass
// filtered at up * fromRate, and every `down`-th sample kept; phase p holds the taps that meet
// input samples when an output falls p/up of an input sample after one.
//
// -6 dB at 0.9 of the lower Nyquist frequency, flat (+-0.01 dB) to 0.8 of it, and at least 64 dB
// down from the lower Nyquist frequency on (65 dB design target), so no alias or image above
// -64 dB lands anywhere in the output. It is centred on a whole input sample and, for the usual
// rates, a whole output sample, so the resampler's delay is an exact number of samples both sides.

const PASSBAND_EDGE = 0.8; // of the lower Nyquist frequency
const STOPBAND_EDGE = 1.0;
const STOPBAND_ATTENUATION_DB = 65;
/** Beyond this (4 MiB of float32 coefficients) a rate pair is a mistake, not a use case. */
const MAX_COEFFICIENTS = 1 << 20;

/** The polyphase filter for one (fromRate, toRate) pair. */
export interface FilterDesign {
  /** Upsampling factor (phases). */
  readonly up: number;
  /** Downsampling factor. */
  readonly down: number;
  /** Taps per phase. */
  readonly taps: number;
  /** `up` phases of `taps` coefficients, each phase reversed so a window is walked forwards. */
  readonly coefficients: Float64Array;
  /** Group delay in input samples. */
  readonly delay: number;
}

/**
 * Designs the filter converting `fromRate` to `toRate` Hz (positive integers, not equal). Throws
 * RangeError when the ratio needs more than a million coefficients (44100 <-> 48000 needs about
 * 6500; 44100 -> 44101 would need two million).
 */
export function designFilter(fromRate: number, toRate: number): FilterDesign {
  const divisor = gcd(fromRate, toRate);
  const up = toRate / divisor;
  const down = fromRate / divisor;

  const filterRate = fromRate * up;
  const nyquist = Math.min(fromRate, toRate) / 2;
  const cutoff = (nyquist * (PASSBAND_EDGE + STOPBAND_EDGE)) / 2 / filterRate; // cycles per sample
  const transition = (2 * Math.PI * nyquist * (STOPBAND_EDGE - PASSBAND_EDGE)) / filterRate; // radians per sample
  // Kaiser's estimates of the length and shape for the wanted attenuation and transition width.
  const order = Math.ceil((STOPBAND_ATTENUATION_DB - 7.95) / (2.285 * transition));
  const beta = 0.1102 * (STOPBAND_ATTENUATION_DB - 8.7);

  const delay = wholeOutputSampleDelay(Math.ceil(order / 2 / up), down);
  const centre = delay * up;
  const taps = 2 * delay + 1;
  if (up * taps > MAX_COEFFICIENTS) {
    throw new RangeError(`resampling ${fromRate} Hz to ${toRate} Hz needs ${up * taps} coefficients (at most ${MAX_COEFFICIENTS})`);
  }
  const coefficients = new Float64Array(up * taps);
  const windowNorm = besselI0(beta);
  for (let phase = 0; phase < up; phase++) {
    // Tap k of this phase sits at prototype position k * up + phase; store it at taps-1-k.
    const row = new Float64Array(taps);
    let sum = 0;
    for (let k = 0; k < taps; k++) {
      const offset = k * up + phase - centre;
      if (Math.abs(offset) > centre) continue;
      const ratio = offset / centre;
      const window = besselI0(beta * Math.sqrt(1 - ratio * ratio)) / windowNorm;
      const x = 2 * cutoff * offset;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      row[taps - 1 - k] = window * sinc;
      sum += window * sinc;
    }
    // Each phase on its own passes DC at unit gain, so no images of DC (whistles at multiples
    // of the input rate) survive, whatever the rounding in the window.
    for (let k = 0; k < taps; k++) coefficients[phase * taps + k] = row[k]! / sum;
  }
  return { up, down, taps, coefficients, delay };
}

/**
 * Rounds a delay of `delay` input samples up to a multiple of `down`, which makes it a whole
 * number of output samples too, unless that lengthens the filter by more than a quarter.
 */
function wholeOutputSampleDelay(delay: number, down: number): number {
  const rounded = Math.ceil(delay / down) * down;
  return (rounded - delay) * 4 <= delay ? rounded : delay;
}

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const quarterSquare = (x * x) / 4;
  for (let k = 1; term > sum * 1e-12; k++) {
    term *= quarterSquare / (k * k);
    sum += term;
  }
  return sum;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
