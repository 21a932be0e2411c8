// Fundamental frequency by the McLeod Pitch Method (MPM): the normalised square difference
// function n(t) = 2 r(t) / m(t), with the autocorrelation r from one forward and one inverse FFT
// (Wiener-Khinchin) and the energy term m updated incrementally, so a frame costs two FFTs and
// O(W) besides instead of O(W * lags). It is YIN's difference function normalised per lag: the
// first peak within `peakRatio` of the highest one is the period (fewer octave errors than the
// global maximum), refined by parabolic interpolation.
import { RealFft } from "./fft.ts";

/** How a pitch detector looks at its frames. */
export interface PitchOptions {
  /** Rate of the frames it is given. */
  sampleRate: number;
  /** Samples per frame: at least two periods of the lowest pitch. */
  frameLength: number;
  /** Lowest pitch reported, Hz (default 60). */
  minHz?: number;
  /** Highest pitch reported, Hz (default 500). */
  maxHz?: number;
  /** A peak within this fraction of the highest counts as the period (default 0.9). */
  peakRatio?: number;
}

/** One frame's pitch estimate. */
export interface PitchEstimate {
  /** Fundamental frequency in Hz of the best candidate (0 when the frame has no periodicity at all). */
  frequency: number;
  /** NSDF peak height from 0 to 1: 1 is perfectly periodic; voiced speech reads above about 0.6. */
  clarity: number;
}

/** Estimates the pitch of fixed-length frames; one per stream (it owns scratch buffers). */
export class PitchDetector {
  readonly #fft: RealFft;
  readonly #frameLength: number;
  readonly #sampleRate: number;
  readonly #minLag: number;
  readonly #maxLag: number;
  readonly #peakRatio: number;
  readonly #centred: Float64Array;
  readonly #re: Float64Array;
  readonly #im: Float64Array;
  readonly #acf: Float64Array;
  readonly #nsdf: Float64Array;
  readonly #lobeLags: Int32Array;

  /** Plans the FFTs for `options.frameLength` samples at `options.sampleRate`. */
  constructor(options: PitchOptions) {
    const { sampleRate, frameLength } = options;
    this.#sampleRate = sampleRate;
    this.#frameLength = frameLength;
    this.#minLag = Math.max(2, Math.floor(sampleRate / (options.maxHz ?? 500)));
    this.#maxLag = Math.min(frameLength - 2, Math.ceil(sampleRate / (options.minHz ?? 60)));
    this.#peakRatio = options.peakRatio ?? 0.9;
    // Zero padding to frameLength + maxLag keeps the circular autocorrelation equal to the linear one at every lag used.
    let size = 4;
    while (size < frameLength + this.#maxLag + 1) size <<= 1;
    this.#fft = new RealFft(size);
    this.#centred = new Float64Array(frameLength);
    this.#re = new Float64Array(this.#fft.bins);
    this.#im = new Float64Array(this.#fft.bins);
    this.#acf = new Float64Array(size);
    this.#nsdf = new Float64Array(this.#maxLag + 2);
    this.#lobeLags = new Int32Array(this.#maxLag);
  }

  /** Estimates the pitch of `frame` (frameLength samples) into `result`, and returns it. */
  estimate(frame: ArrayLike<number>, result: PitchEstimate = { frequency: 0, clarity: 0 }): PitchEstimate {
    const length = this.#frameLength;
    const x = this.#centred;
    let mean = 0;
    for (let i = 0; i < length; i++) mean += frame[i]!;
    mean /= length;
    for (let i = 0; i < length; i++) x[i] = frame[i]! - mean;

    const re = this.#re;
    const im = this.#im;
    this.#fft.forward(x, re, im);
    for (let k = 0; k < re.length; k++) {
      re[k] = re[k]! * re[k]! + im[k]! * im[k]!;
      im[k] = 0;
    }
    const acf = this.#acf;
    this.#fft.inverse(re, im, acf);

    result.frequency = 0;
    result.clarity = 0;
    if (!(acf[0]! > 0)) return result;
    // m(t) = sum over the overlap of x[j]^2 + x[j+t]^2, starting from 2 r(0) and shrinking at both ends.
    const nsdf = this.#nsdf;
    const maxLag = this.#maxLag;
    let m = 2 * acf[0]!;
    for (let t = 0; t <= maxLag + 1; t++) {
      if (t > 0) m -= x[t - 1]! * x[t - 1]! + x[length - t]! * x[length - t]!;
      nsdf[t] = m > 0 ? (2 * acf[t]!) / m : 0;
    }
    return this.#pickPeak(result);
  }

  /** MPM peak picking: the first lobe maximum within `peakRatio` of the highest, past the first negative dip. */
  #pickPeak(result: PitchEstimate): PitchEstimate {
    const nsdf = this.#nsdf;
    const maxLag = this.#maxLag;
    const lobeLags = this.#lobeLags;
    let t = 1;
    while (t <= maxLag && nsdf[t]! >= 0) t++;
    let lobes = 0;
    let highest = 0;
    while (t <= maxLag) {
      while (t <= maxLag && nsdf[t]! <= 0) t++;
      let best = -1;
      for (; t <= maxLag && nsdf[t]! > 0; t++) {
        if (t >= this.#minLag && (best < 0 || nsdf[t]! > nsdf[best]!)) best = t;
      }
      // A lobe still rising at maxLag has its peak beyond the range: not a candidate.
      if (best > 0 && best < maxLag) {
        lobeLags[lobes++] = best;
        if (nsdf[best]! > highest) highest = nsdf[best]!;
      }
    }
    if (lobes === 0) return result;
    const threshold = highest * this.#peakRatio;
    let lag = lobeLags[0]!;
    for (let i = 0; i < lobes; i++) {
      if (nsdf[lobeLags[i]!]! >= threshold) {
        lag = lobeLags[i]!;
        break;
      }
    }
    const a = nsdf[lag - 1]!;
    const b = nsdf[lag]!;
    const c = nsdf[lag + 1]!;
    const curvature = a - 2 * b + c;
    const shift = curvature < 0 ? (0.5 * (a - c)) / curvature : 0;
    result.frequency = this.#sampleRate / (lag + shift);
    result.clarity = Math.min(1, b - 0.25 * (a - c) * shift);
    return result;
  }
}
