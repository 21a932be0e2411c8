// Analysis windows. Periodic (DFT-even) forms: a frame hopped by a divisor of its length then
// overlap-adds to a constant, and the spectrum of a stationary signal does not depend on where
// the frame starts.

/** A periodic Hann window of `length` points: 0.5 - 0.5 cos(2 pi n / length). */
export function hannWindow(length: number): Float64Array {
  const window = new Float64Array(length);
  for (let n = 0; n < length; n++) window[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / length);
  return window;
}

/** A periodic Hamming window of `length` points: 0.54 - 0.46 cos(2 pi n / length). */
export function hammingWindow(length: number): Float64Array {
  const window = new Float64Array(length);
  for (let n = 0; n < length; n++) window[n] = 0.54 - 0.46 * Math.cos((2 * Math.PI * n) / length);
  return window;
}

/** Writes `frame[n] * window[n]` into `out` (all the window's length). */
export function applyWindow(frame: ArrayLike<number>, window: Float64Array, out: Float64Array): Float64Array {
  for (let n = 0; n < window.length; n++) out[n] = frame[n]! * window[n]!;
  return out;
}
