// Cepstral coefficients: the DCT of log band energies. MFCC on a mel filterbank, LFCC on a
// linear one; the DCT matrix is computed once per shape, and applied by a WebAssembly kernel
// (dsp-kernels.ts) two coefficients per instruction, each sum adding its terms in order as the
// JavaScript loop did, so the coefficients are unchanged bit for bit.
import { dspKernels, kernelDoubles, loadMatrix, scratch } from "./dsp-kernels.ts";
import type { Filterbank } from "./filterbank.ts";

/** Floor under band energies before the log, so silent bands give a finite value (about -100 dB re 1). */
const ENERGY_FLOOR = 1e-10;

/** An orthonormal DCT-II from `inputs` values to their first `outputs` coefficients, as a precomputed matrix. */
export class Dct {
  /** Byte address of the matrix in kernel memory. */
  readonly #address: number;

  /** Plans the first `outputs` coefficients of an `inputs`-point DCT-II. */
  constructor(readonly inputs: number, readonly outputs: number) {
    const matrix = new Float64Array(inputs * outputs);
    for (let k = 0; k < outputs; k++) {
      const scale = Math.sqrt((k === 0 ? 1 : 2) / inputs);
      for (let n = 0; n < inputs; n++) matrix[k * inputs + n] = scale * Math.cos((Math.PI * k * (n + 0.5)) / inputs);
    }
    this.#address = loadMatrix(matrix, inputs, outputs);
  }

  /** Writes the DCT of `input[0..inputs)` into `out[0..outputs)`. */
  apply(input: Float64Array, out: Float64Array | Float32Array): void {
    const at = scratch(Math.max(this.inputs, this.outputs));
    const memory = kernelDoubles();
    // Copied value by value: for a few dozen values, faster than set() with its subarray views.
    const from = at.zr / 8;
    for (let i = 0; i < this.inputs; i++) memory[from + i] = input[i]!;
    dspKernels().dct(this.#address, this.inputs, Math.ceil(this.outputs / 2), at.zr, at.re);
    const to = at.re / 8;
    for (let k = 0; k < this.outputs; k++) out[k] = memory[to + k]!;
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
