// A real-input FFT for one fixed power-of-two size, with every table computed once: the N-point
// real transform runs as an N/2-point complex radix-2 FFT of the samples packed two to a complex
// value, followed by the split that separates the even and odd halves.
// Values are float64, as JavaScript arithmetic is. The complex transform, the split and the power
// spectrum run as WebAssembly kernels (dsp-kernels.ts) that compute every value by the same
// operations as the JavaScript loops they replaced, so the spectra are unchanged bit for bit.
import { MediaParseError } from "../errors.ts";
import { type FftTables, dspKernels, kernelDoubles, kernelShorts, loadTables, scratch } from "./dsp-kernels.ts";

/** Forward and inverse FFT of real signals of one power-of-two length (its work space is the kernels' shared scratch). */
export class RealFft {
  /** Transform length N (real samples in, N/2 + 1 complex bins out). */
  readonly size: number;
  /** Number of complex bins, N/2 + 1 (DC to Nyquist). */
  readonly bins: number;
  readonly #half: number;
  readonly #reverse: Uint32Array;
  readonly #splitCos: Float64Array;
  readonly #splitSin: Float64Array;
  readonly #tables: FftTables;

  /** Plans a transform of `size` real samples; `size` must be a power of two, at least 4. */
  constructor(size: number) {
    if (!Number.isInteger(size) || size < 4 || (size & (size - 1)) !== 0) {
      throw new MediaParseError("bad_fft_size", `FFT size must be a power of two >= 4, got ${size}`);
    }
    this.size = size;
    this.bins = size / 2 + 1;
    const half = size / 2;
    this.#half = half;
    this.#reverse = new Uint32Array(half);
    const bits = Math.log2(half);
    for (let i = 0; i < half; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.#reverse[i] = r;
    }
    // Twiddles of the N/2-point complex transform, e^(-2 pi i k / (N/2)), and of the split, e^(-2 pi i k / N).
    const cos = new Float64Array(half / 2);
    const sin = new Float64Array(half / 2);
    for (let k = 0; k < half / 2; k++) {
      cos[k] = Math.cos((2 * Math.PI * k) / half);
      sin[k] = -Math.sin((2 * Math.PI * k) / half);
    }
    this.#splitCos = new Float64Array(half + 1);
    this.#splitSin = new Float64Array(half + 1);
    for (let k = 0; k <= half; k++) {
      this.#splitCos[k] = Math.cos((2 * Math.PI * k) / size);
      this.#splitSin[k] = -Math.sin((2 * Math.PI * k) / size);
    }
    this.#tables = loadTables(half, this.#reverse, cos, sin, this.#splitCos, this.#splitSin);
  }

  /**
   * Transforms `input` (`size` samples; a shorter input is zero-padded) into `re` and `im`
   * (`bins` values each): X[k] = sum x[n] e^(-2 pi i k n / N), unscaled.
   */
  forward(input: ArrayLike<number>, re: Float64Array, im: Float64Array): void {
    const half = this.#half;
    const at = scratch(half);
    const memory = kernelDoubles();
    const zr = at.zr / 8;
    const zi = at.zi / 8;
    const reverse = this.#reverse;
    const length = Math.min(input.length, this.size);
    for (let n = 0; n < half; n++) {
      const to = reverse[n]!;
      const even = 2 * n;
      memory[zr + to] = even < length ? input[even]! : 0;
      memory[zi + to] = even + 1 < length ? input[even + 1]! : 0;
    }
    this.#transformPacked();
    re.set(memory.subarray(at.re / 8, at.re / 8 + this.bins));
    im.set(memory.subarray(at.im / 8, at.im / 8 + this.bins));
  }

  /**
   * `powerSpectrum` of `samples[from, from + size)` times `window` (`size` values), the window
   * applied as the samples are packed: the same numbers as windowing into a buffer first, one
   * pass fewer.
   */
  windowedPowerSpectrum(samples: Int16Array, from: number, window: Float64Array, power: Float64Array, re: Float64Array, im: Float64Array): void {
    const half = this.#half;
    const at = scratch(half);
    kernelShorts().set(samples.subarray(from, from + this.size), at.samples / 2);
    const memory = kernelDoubles();
    memory.set(window.subarray(0, this.size), at.window / 8);
    const kernels = dspKernels();
    kernels.pack(at.samples, at.window, this.#tables.reverse, half, at.zr, at.zi);
    this.#transformPacked();
    kernels.power(at.re, at.im, at.power, this.bins);
    re.set(memory.subarray(at.re / 8, at.re / 8 + this.bins));
    im.set(memory.subarray(at.im / 8, at.im / 8 + this.bins));
    power.set(memory.subarray(at.power / 8, at.power / 8 + this.bins));
  }

  /** Transforms the samples packed two to a complex value in scratch, in bit-reversed order, and splits the result into X[0..N/2] there. */
  #transformPacked(): void {
    const half = this.#half;
    const at = scratch(half);
    const tables = this.#tables;
    const kernels = dspKernels();
    kernels.transform(at.zr, at.zi, tables.cos, tables.sin, half);
    kernels.split(at.zr, at.zi, tables.splitCos, tables.splitSin, half, at.re, at.im);
  }

  /** Writes |X[k]|^2 of `input` into `power` (`bins` values), using `re`/`im` as scratch. */
  powerSpectrum(input: ArrayLike<number>, power: Float64Array, re: Float64Array, im: Float64Array): void {
    this.forward(input, re, im);
    for (let k = 0; k < this.bins; k++) power[k] = re[k]! * re[k]! + im[k]! * im[k]!;
  }

  /**
   * The inverse of `forward`: from the `bins` values of a Hermitian spectrum, writes the `size`
   * real samples into `output`, scaled by 1/N so that inverse(forward(x)) = x.
   */
  inverse(re: Float64Array, im: Float64Array, output: Float64Array): void {
    const half = this.#half;
    const at = scratch(half);
    const memory = kernelDoubles();
    const zr = at.zr / 8;
    const zi = at.zi / 8;
    const wc = this.#splitCos;
    const ws = this.#splitSin;
    const reverse = this.#reverse;
    // Rebuild Z[k] = E[k] + i O[k] from X, conjugated so the forward kernel computes the inverse.
    for (let k = 0; k < half; k++) {
      const ar = re[k]!;
      const ai = im[k]!;
      const br = re[half - k]!;
      const bi = -im[half - k]!;
      const er = 0.5 * (ar + br);
      const ei = 0.5 * (ai + bi);
      // O[k] = (X[k] - conj(X[M-k])) / (2 W^k), and 1/W^k = conj(W^k).
      const dr = 0.5 * (ar - br);
      const di = 0.5 * (ai - bi);
      const c = wc[k]!;
      const s = -ws[k]!;
      const or = dr * c - di * s;
      const oi = dr * s + di * c;
      const to = reverse[k]!;
      memory[zr + to] = er - oi;
      memory[zi + to] = -(ei + or);
    }
    dspKernels().transform(at.zr, at.zi, this.#tables.cos, this.#tables.sin, half);
    const scale = 1 / this.size;
    for (let n = 0; n < half; n++) {
      output[2 * n] = memory[zr + n]! * scale * 2;
      output[2 * n + 1] = -memory[zi + n]! * scale * 2;
    }
  }
}
