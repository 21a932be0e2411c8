// Triangular filterbanks over FFT power bins, stored sparsely (each band keeps only the bins
// under its triangle), so applying one costs about two multiply-adds per bin. A WebAssembly
// kernel (dsp-kernels.ts) applies them, adding each band's terms in the order a JavaScript loop
// would, without its bounds checks.
import { dspKernels, type FilterbankTables, kernelDoubles, loadFilterbank, scratch } from "./dsp-kernels.ts";

/** Band edges as frequencies in Hz: band b rises from edges[b] to edges[b+1] and falls to edges[b+2]. */
export type BandEdges = readonly number[];

/** Where a filterbank's bands lie, as the FFT sees them. */
export interface FilterbankOptions {
  /** FFT length the power spectra come from. */
  fftSize: number;
  sampleRate: number;
  /** Number of triangular bands. */
  bands: number;
  /** Lower edge of the first band, Hz. */
  lowHz: number;
  /** Upper edge of the last band, Hz. */
  highHz: number;
}

/** A bank of triangular filters: band energies from a power spectrum. */
export class Filterbank {
  /** Number of bands. */
  readonly bands: number;
  /** Centre frequency of each band, Hz. */
  readonly centersHz: Float64Array;
  /** Sum of each band's weights: divide a band energy by it for the band's mean power per bin. */
  readonly widths: Float64Array;
  readonly #tables: FilterbankTables;

  /** Builds triangles on `edges` (bands + 2 frequencies, ascending) for `fftSize` at `sampleRate`. */
  constructor(edges: BandEdges, fftSize: number, sampleRate: number) {
    const bands = edges.length - 2;
    const binHz = sampleRate / fftSize;
    const bins = fftSize / 2 + 1;
    this.bands = bands;
    this.centersHz = new Float64Array(bands);
    const firstBin = new Uint16Array(bands);
    const offsets = new Uint32Array(bands + 1);
    const weights: number[] = [];
    for (let b = 0; b < bands; b++) {
      const [low, center, high] = [edges[b]!, edges[b + 1]!, edges[b + 2]!];
      this.centersHz[b] = center;
      const first = Math.max(0, Math.ceil(low / binHz));
      const last = Math.min(bins - 1, Math.floor(high / binHz));
      firstBin[b] = first;
      offsets[b] = weights.length;
      for (let k = first; k <= last; k++) {
        const hz = k * binHz;
        weights.push(hz <= center ? (hz - low) / (center - low) : (high - hz) / (high - center));
      }
    }
    offsets[bands] = weights.length;
    const clipped = Float64Array.from(weights, (w) => Math.max(0, w));
    this.widths = new Float64Array(bands);
    for (let b = 0; b < bands; b++) {
      for (let w = offsets[b]!; w < offsets[b + 1]!; w++) this.widths[b] = this.widths[b]! + clipped[w]!;
    }
    this.#tables = loadFilterbank(`${fftSize}:${sampleRate}:${edges.join(",")}`, clipped, firstBin, offsets);
  }

  /** Writes each band's weighted sum of `power` into `out` (`bands` values). */
  apply(power: Float64Array, out: Float64Array): Float64Array {
    const at = scratch(power.length);
    const memory = kernelDoubles();
    memory.set(power, at.zr / 8);
    dspKernels().filterbank(this.#tables.weights, this.#tables.layout, this.bands, at.zr, at.re);
    const from = at.re / 8;
    for (let b = 0; b < this.bands; b++) out[b] = memory[from + b]!;
    return out;
  }
}

/** Hz to mel (O'Shaughnessy/HTK: 2595 log10(1 + f/700)). */
export function hzToMel(hz: number): number {
  return 2595 * Math.log10(1 + hz / 700);
}

/** Mel to Hz, the inverse of hzToMel. */
export function melToHz(mel: number): number {
  return 700 * (10 ** (mel / 2595) - 1);
}

/** Bands equally spaced on the mel scale (MFCC). */
export function melFilterbank(options: FilterbankOptions): Filterbank {
  const low = hzToMel(options.lowHz);
  const high = hzToMel(options.highHz);
  const edges = Array.from({ length: options.bands + 2 }, (_, i) => melToHz(low + ((high - low) * i) / (options.bands + 1)));
  return new Filterbank(edges, options.fftSize, options.sampleRate);
}

/** Bands equally spaced in Hz (LFCC: keeps the high band's resolution, where vocoders leave traces). */
export function linearFilterbank(options: FilterbankOptions): Filterbank {
  const { lowHz, highHz, bands } = options;
  const edges = Array.from({ length: bands + 2 }, (_, i) => lowHz + ((highHz - lowHz) * i) / (bands + 1));
  return new Filterbank(edges, options.fftSize, options.sampleRate);
}
