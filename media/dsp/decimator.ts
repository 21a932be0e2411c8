// Streaming 2:1 decimation through a half-band low-pass FIR: every other tap of a half-band
// filter is zero, so each output costs one multiply-add per non-zero tap pair. Pitch analysis
// runs at half rate: the fundamental lies far below 4 kHz, and half the samples halve its cost.

/** Non-zero taps on each side of the centre: the filter spans 4 * SIDE_TAPS - 1 input samples. */
const SIDE_TAPS = 6;
const SPAN = 4 * SIDE_TAPS - 1;

/** The centre tap, then the odd taps h[1], h[3], ... of a Blackman-windowed half-band sinc, at unity DC gain. */
const [CENTRE_TAP, ODD_TAPS] = ((): [number, Float64Array] => {
  const taps = new Float64Array(SIDE_TAPS);
  let gain = 0.5;
  for (let t = 0; t < SIDE_TAPS; t++) {
    const n = 2 * t + 1;
    const i = n + 2 * SIDE_TAPS;
    const blackman = 0.42 - 0.5 * Math.cos((2 * Math.PI * i) / (4 * SIDE_TAPS)) + 0.08 * Math.cos((4 * Math.PI * i) / (4 * SIDE_TAPS));
    taps[t] = (Math.sin((Math.PI * n) / 2) / (Math.PI * n)) * blackman;
    gain += 2 * taps[t]!;
  }
  for (let t = 0; t < SIDE_TAPS; t++) taps[t] = taps[t]! / gain;
  return [0.5 / gain, taps];
})();

/**
 * Halves the sample rate of a stream, block by block, as if it were processed in one piece.
 * Output sample m is the low-passed input around input sample 2m + 1 - delay.
 */
export class HalfbandDecimator {
  /** Group delay in input samples. */
  static readonly delay = 2 * SIDE_TAPS - 1;
  // Each sample is written twice, SPAN apart, so the last SPAN samples are always contiguous.
  readonly #history = new Float64Array(2 * SPAN);
  #at = 0;
  #odd = false;

  /**
   * Filters `input[from..to)` and writes the outputs into `out` from `outAt`; returns how many
   * it wrote (one per two input samples, counting across calls).
   */
  process(input: ArrayLike<number>, out: Float64Array, outAt = 0, from = 0, to = input.length): number {
    const history = this.#history;
    let at = this.#at;
    let odd = this.#odd;
    let written = 0;
    for (let i = from; i < to; i++) {
      const x = input[i]!;
      history[at] = x;
      history[at + SPAN] = x;
      at = at + 1 === SPAN ? 0 : at + 1;
      odd = !odd;
      if (!odd) {
        // The window history[at .. at + SPAN) holds the last SPAN samples, oldest first.
        const centre = at + 2 * SIDE_TAPS - 1;
        let sum = CENTRE_TAP * history[centre]!;
        for (let t = 0; t < SIDE_TAPS; t++) {
          const offset = 2 * t + 1;
          sum += ODD_TAPS[t]! * (history[centre - offset]! + history[centre + offset]!);
        }
        out[outAt + written++] = sum;
      }
    }
    this.#at = at;
    this.#odd = odd;
    return written;
  }

  /** Forgets past input. */
  reset(): void {
    this.#history.fill(0);
    this.#at = 0;
    this.#odd = false;
  }
}
