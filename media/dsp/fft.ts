// A real-input FFT for one fixed power-of-two size, with every table and work buffer allocated
// once: the N-point real transform runs as an N/2-point complex radix-2 FFT of the samples
// packed two to a complex value, followed by the split that separates the even and odd halves.
// Buffers are Float64Array: JavaScript arithmetic is double anyway, so nothing is converted in
// the inner loops.
import { MediaParseError } from "../errors.ts";

/** Forward and inverse FFT of real signals of one power-of-two length; one instance per user (it owns scratch space). */
export class RealFft {
  /** Transform length N (real samples in, N/2 + 1 complex bins out). */
  readonly size: number;
  /** Number of complex bins, N/2 + 1 (DC to Nyquist). */
  readonly bins: number;
  readonly #half: number;
  readonly #reverse: Uint32Array;
  readonly #cos: Float64Array;
  readonly #sin: Float64Array;
  readonly #splitCos: Float64Array;
  readonly #splitSin: Float64Array;
  readonly #re: Float64Array;
  readonly #im: Float64Array;

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
    this.#cos = new Float64Array(half / 2);
    this.#sin = new Float64Array(half / 2);
    for (let k = 0; k < half / 2; k++) {
      this.#cos[k] = Math.cos((2 * Math.PI * k) / half);
      this.#sin[k] = -Math.sin((2 * Math.PI * k) / half);
    }
    this.#splitCos = new Float64Array(half + 1);
    this.#splitSin = new Float64Array(half + 1);
    for (let k = 0; k <= half; k++) {
      this.#splitCos[k] = Math.cos((2 * Math.PI * k) / size);
      this.#splitSin[k] = -Math.sin((2 * Math.PI * k) / size);
    }
    this.#re = new Float64Array(half);
    this.#im = new Float64Array(half);
  }

  /**
   * Transforms `input` (`size` samples; a shorter input is zero-padded) into `re` and `im`
   * (`bins` values each): X[k] = sum x[n] e^(-2 pi i k n / N), unscaled.
   */
  forward(input: ArrayLike<number>, re: Float64Array, im: Float64Array): void {
    const half = this.#half;
    const zr = this.#re;
    const zi = this.#im;
    const reverse = this.#reverse;
    const length = Math.min(input.length, this.size);
    for (let n = 0; n < half; n++) {
      const at = reverse[n]!;
      const even = 2 * n;
      zr[at] = even < length ? input[even]! : 0;
      zi[at] = even + 1 < length ? input[even + 1]! : 0;
    }
    this.#transformPacked(re, im);
  }

  /**
   * `powerSpectrum` of `samples[from, from + size)` times `window` (`size` values), the window
   * applied as the samples are packed: the same numbers as windowing into a buffer first, one
   * pass fewer.
   */
  windowedPowerSpectrum(samples: Int16Array, from: number, window: Float64Array, power: Float64Array, re: Float64Array, im: Float64Array): void {
    const zr = this.#re;
    const zi = this.#im;
    const reverse = this.#reverse;
    for (let n = 0; n < this.#half; n++) {
      const at = reverse[n]!;
      const even = 2 * n;
      zr[at] = samples[from + even]! * window[even]!;
      zi[at] = samples[from + even + 1]! * window[even + 1]!;
    }
    this.#transformPacked(re, im);
    for (let k = 0; k < this.bins; k++) power[k] = re[k]! * re[k]! + im[k]! * im[k]!;
  }

  /** Transforms the samples packed two to a complex value, in bit-reversed order, and splits the result into X[0..N/2]. */
  #transformPacked(re: Float64Array, im: Float64Array): void {
    const half = this.#half;
    const zr = this.#re;
    const zi = this.#im;
    transform(zr, zi, this.#cos, this.#sin, half);
    // Split Z into the spectra of the even and odd samples and recombine: X[k] = E[k] + W^k O[k].
    const wc = this.#splitCos;
    const ws = this.#splitSin;
    re[0] = zr[0]! + zi[0]!;
    im[0] = 0;
    re[half] = zr[0]! - zi[0]!;
    im[half] = 0;
    for (let k = 1; k < half; k++) {
      const ar = zr[k]!;
      const ai = zi[k]!;
      const br = zr[half - k]!;
      const bi = -zi[half - k]!;
      const er = 0.5 * (ar + br);
      const ei = 0.5 * (ai + bi);
      // O[k] = (Z[k] - conj(Z[M-k])) / 2i
      const or = 0.5 * (ai - bi);
      const oi = -0.5 * (ar - br);
      const c = wc[k]!;
      const s = ws[k]!;
      re[k] = er + c * or - s * oi;
      im[k] = ei + c * oi + s * or;
    }
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
    const zr = this.#re;
    const zi = this.#im;
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
      const at = reverse[k]!;
      zr[at] = er - oi;
      zi[at] = -(ei + or);
    }
    transform(zr, zi, this.#cos, this.#sin, half);
    const scale = 1 / this.size;
    for (let n = 0; n < half; n++) {
      output[2 * n] = zr[n]! * scale * 2;
      output[2 * n + 1] = -zi[n]! * scale * 2;
    }
  }
}

/**
 * In-place radix-2 decimation-in-time FFT of `n` complex values in bit-reversed order, two
 * stages fused per pass (radix-2^2: the second stage's odd twiddles are the first's times -i),
 * which halves the passes over memory. `cos`/`sin` hold e^(-2 pi i k / n) for k < n/2.
 */
function transform(re: Float64Array, im: Float64Array, cos: Float64Array, sin: Float64Array, n: number): void {
  let size = 1;
  if ((31 - Math.clz32(n)) % 2 === 1) {
    for (let a = 0; a < n; a += 2) {
      const xr = re[a + 1]!;
      const xi = im[a + 1]!;
      re[a + 1] = re[a]! - xr;
      im[a + 1] = im[a]! - xi;
      re[a] = re[a]! + xr;
      im[a] = im[a]! + xi;
    }
    size = 2;
  }
  for (; size < n; size <<= 2) {
    const stride = n / (4 * size);
    for (let k = 0; k < size; k++) {
      // Stage size -> 2 size uses W(2 size)^k; stage 2 size -> 4 size uses W(4 size)^k and W(4 size)^(k + size) = -i W(4 size)^k.
      const c1 = cos[2 * k * stride]!;
      const s1 = sin[2 * k * stride]!;
      const c2 = cos[k * stride]!;
      const s2 = sin[k * stride]!;
      for (let a = k; a < n; a += 4 * size) {
        const b = a + size;
        const c = b + size;
        const d = c + size;
        let xr = re[b]!;
        let xi = im[b]!;
        let tr = xr * c1 - xi * s1;
        let ti = xr * s1 + xi * c1;
        const ar = re[a]!;
        const ai = im[a]!;
        const a0r = ar + tr;
        const a0i = ai + ti;
        const b0r = ar - tr;
        const b0i = ai - ti;
        xr = re[d]!;
        xi = im[d]!;
        tr = xr * c1 - xi * s1;
        ti = xr * s1 + xi * c1;
        const cr = re[c]!;
        const ci = im[c]!;
        const c0r = cr + tr;
        const c0i = ci + ti;
        const d0r = cr - tr;
        const d0i = ci - ti;
        tr = c0r * c2 - c0i * s2;
        ti = c0r * s2 + c0i * c2;
        re[a] = a0r + tr;
        im[a] = a0i + ti;
        re[c] = a0r - tr;
        im[c] = a0i - ti;
        const ur = d0r * c2 - d0i * s2;
        const ui = d0r * s2 + d0i * c2;
        re[b] = b0r + ui;
        im[b] = b0i - ur;
        re[d] = b0r - ui;
        im[d] = b0i + ur;
      }
    }
  }
}
