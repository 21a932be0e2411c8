// Cepstral coefficients: the DCT of log band energies. MFCC on a mel filterbank, LFCC on a
// linear one; the DCT matrix is computed once per shape.
import type { Filterbank } from "./filterbank.ts";

/** Floor under band energies before the log, so silent bands give a finite value (about -100 dB re 1). */
const ENERGY_FLOOR = 1e-10;

/** An orthonormal DCT-II from `inputs` values to their first `outputs` coefficients, as a precomputed matrix. */
export class Dct {
  readonly #matrix: Float64Array;

  /** Plans the first `outputs` coefficients of an `inputs`-point DCT-II. */
  constructor(readonly inputs: number, readonly outputs: number) {
    this.#matrix = new Float64Array(inputs * outputs);
    for (let k = 0; k < outputs; k++) {
      const scale = Math.sqrt((k === 0 ? 1 : 2) / inputs);
      for (let n = 0; n < inputs; n++) this.#matrix[k * inputs + n] = scale * Math.cos((Math.PI * k * (n + 0.5)) / inputs);
    }
  }

  /** Writes the DCT of `input[0..inputs)` into `out[0..outputs)`. */
  apply(input: Float64Array, out: Float64Array | Float32Array): void {
    const matrix = this.#matrix;
    const n = this.inputs;
    let k = 0;
    // Four coefficients per pass read each input once for all four, and their four sums run side
    // by side; each sum still adds its terms in order, so the numbers are those of one at a time.
    for (; k + 3 < this.outputs; k += 4) {
      const r0 = k * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0; i < n; i++) {
        const x = input[i]!;
        s0 += matrix[r0 + i]! * x;
        s1 += matrix[r1 + i]! * x;
        s2 += matrix[r2 + i]! * x;
        s3 += matrix[r3 + i]! * x;
      }
      out[k] = s0;
      out[k + 1] = s1;
      out[k + 2] = s2;
      out[k + 3] = s3;
    }
    for (; k < this.outputs; k++) {
      let sum = 0;
      for (let i = 0, row = k * n; i < n; i++) sum += matrix[row + i]! * input[i]!;
      out[k] = sum;
    }
  }
}

/** Natural log of each band energy, floored, into `out`. */
export function logEnergies(bands: Float64Array, out: Float64Array, count = bands.length): Float64Array {
  for (let b = 0; b < count; b++) out[b] = Math.log(bands[b]! + ENERGY_FLOOR);
  return out;
}

/**
 * Cepstral coefficients c0..c(n-1) of a power spectrum through one filterbank:
 * `new Cepstrum(melFilterbank(...), 20)` gives MFCC, `new Cepstrum(linearFilterbank(...), 20)` LFCC.
 */
export class Cepstrum {
  readonly #dct: Dct;
  readonly #bands: Float64Array;
  readonly #logs: Float64Array;

  /** Cepstra of `coefficients` values over the bands of `filterbank`. */
  constructor(readonly filterbank: Filterbank, readonly coefficients: number) {
    this.#dct = new Dct(filterbank.bands, coefficients);
    this.#bands = new Float64Array(filterbank.bands);
    this.#logs = new Float64Array(filterbank.bands);
  }

  /** Band energies of the last `compute` call (valid until the next). */
  get bandEnergies(): Float64Array {
    return this.#bands;
  }

  /** Log band energies of the last `compute` call (valid until the next). */
  get logBands(): Float64Array {
    return this.#logs;
  }

  /** Writes the cepstrum of `power` (an FFT power spectrum) into `out`. */
  compute(power: Float64Array, out: Float64Array | Float32Array): void {
    this.filterbank.apply(power, this.#bands);
    logEnergies(this.#bands, this.#logs);
    this.#dct.apply(this.#logs, out);
  }
}
