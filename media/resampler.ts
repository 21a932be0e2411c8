// Band-limited streaming sample-rate conversion by any rational ratio L/M (to/from, reduced):
// a polyphase Kaiser-windowed sinc. Conceptually the input is upsampled by L (zeros inserted),
// low-pass filtered at L * fromRate, and every M-th sample kept; the polyphase form computes
// only the kept samples and skips the zeros, so each output costs K multiply-adds where K is the
// filter length per phase.
//
// Filter: -6 dB at 0.9 of the lower Nyquist, flat to 0.8, at least 70 dB down (design target)
// from the lower Nyquist on, so nothing aliases into the audible band by more than -70 dB.
// The filter is centred on a whole input sample (and, for the usual rates, a whole output
// sample), so `delayMs` is an exact number of samples on both sides.

/** Converts a mono 16-bit PCM stream from one rate to another, frame by frame; one per stream. */
export interface Resampler {
  /** Rate of the input, in Hz. */
  readonly fromRate: number;
  /** Rate of the output, in Hz. */
  readonly toRate: number;
  /** Group delay in ms: the output at media time t reflects the input at t - delayMs. */
  readonly delayMs: number;
  /**
   * Converts the next block of input, continuing from the previous call: consecutive blocks join
   * as if processed in one piece. A block of 20 ms at 8, 16, 48 kHz (or any multiple of 50 Hz)
   * gives exactly 20 ms of output every call.
   */
  process(input: Int16Array): Int16Array;
  /** Forgets all past input, as if newly created. */
  reset(): void;
}

const PASSBAND_EDGE = 0.8; // of the lower Nyquist frequency
const STOPBAND_EDGE = 1.0;
const STOPBAND_ATTENUATION_DB = 70;
/** A filter bank holds L phases; beyond this the tables grow to megabytes for little benefit. */
const MAX_PHASES = 4096;

/** Coefficients for one (fromRate, toRate) pair, shared by every resampler of that pair. */
interface FilterBank {
  /** Upsampling factor L (phases). */
  readonly up: number;
  /** Downsampling factor M. */
  readonly down: number;
  /** Taps per phase K. */
  readonly taps: number;
  /** L phases of K taps, each phase stored reversed so the inner loop walks input forwards. */
  readonly coefficients: Float32Array;
  /** Group delay in input samples. */
  readonly delay: number;
}

const filterBanks = new Map<string, FilterBank>();

/**
 * Creates a streaming resampler from `fromRate` to `toRate` Hz. Throws RangeError unless both
 * are positive integers whose reduced ratio has at most 4096 as numerator.
 */
export function createResampler(fromRate: number, toRate: number): Resampler {
  for (const rate of [fromRate, toRate]) {
    if (!Number.isInteger(rate) || rate <= 0) throw new RangeError(`sample rate must be a positive integer, got ${rate}`);
  }
  if (fromRate === toRate) return new PassThrough(fromRate);
  const key = `${fromRate}:${toRate}`;
  let bank = filterBanks.get(key);
  if (!bank) {
    bank = designFilterBank(fromRate, toRate);
    filterBanks.set(key, bank);
  }
  return new PolyphaseResampler(fromRate, toRate, bank);
}

class PassThrough implements Resampler {
  readonly delayMs = 0;
  constructor(readonly fromRate: number) {}

  get toRate(): number {
    return this.fromRate;
  }

  process(input: Int16Array): Int16Array {
    return input.slice();
  }

  reset(): void {}
}

class PolyphaseResampler implements Resampler {
  readonly delayMs: number;
  readonly #bank: FilterBank;
  /** Last K-1 input samples followed by the current block. */
  #buffer: Float32Array;
  /** Position of the next output within the next block: input index and phase. */
  #index = 0;
  #phase = 0;

  constructor(readonly fromRate: number, readonly toRate: number, bank: FilterBank) {
    this.#bank = bank;
    this.delayMs = (bank.delay * 1000) / fromRate;
    this.#buffer = new Float32Array(bank.taps - 1 + Math.ceil(fromRate / 50));
  }

  process(input: Int16Array): Int16Array {
    const { up, down, taps, coefficients } = this.#bank;
    const history = taps - 1;
    const length = input.length;
    if (history + length > this.#buffer.length) this.#grow(history + length);
    const buffer = this.#buffer;
    buffer.set(input, history);

    let index = this.#index;
    let phase = this.#phase;
    const remaining = (length - index) * up - phase;
    const out = new Int16Array(remaining > 0 ? Math.ceil(remaining / down) : 0);
    const indexStep = Math.floor(down / up);
    const phaseStep = down % up;
    for (let n = 0; n < out.length; n++) {
      const base = phase * taps;
      let sum = 0;
      for (let k = 0; k < taps; k++) sum += coefficients[base + k]! * buffer[index + k]!;
      const value = Math.round(sum);
      out[n] = value > 32767 ? 32767 : value < -32768 ? -32768 : value;
      index += indexStep;
      phase += phaseStep;
      if (phase >= up) {
        phase -= up;
        index++;
      }
    }
    this.#index = index - length;
    this.#phase = phase;
    buffer.copyWithin(0, length, length + history);
    return out;
  }

  reset(): void {
    this.#buffer.fill(0);
    this.#index = 0;
    this.#phase = 0;
  }

  #grow(size: number): void {
    const buffer = new Float32Array(size);
    buffer.set(this.#buffer.subarray(0, this.#bank.taps - 1));
    this.#buffer = buffer;
  }
}

function designFilterBank(fromRate: number, toRate: number): FilterBank {
  const divisor = gcd(fromRate, toRate);
  const up = toRate / divisor;
  const down = fromRate / divisor;
  if (up > MAX_PHASES) throw new RangeError(`resampling ${fromRate} Hz to ${toRate} Hz needs ${up} filter phases (at most ${MAX_PHASES})`);

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
  const coefficients = new Float32Array(up * taps);
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
