// 2:1 decimation through a half-band low-pass FIR: every other tap of a half-band filter is
// zero, so each output costs one multiply-add per non-zero tap pair. Pitch analysis runs at a
// quarter of the rate: the fundamental lies far below 2 kHz, and fewer samples cost less.
//
// It works on blocks that carry their own history (the overlapping frames of a Framer do): an
// output centred on input sample c reads input[c - 11 .. c + 11], so no state is kept between
// calls, and samples outside the block read as zero.

/** Non-zero taps on each side of the centre. */
const SIDE_TAPS = 6;
/** How far an output reaches on each side of its centre sample. */
export const HALFBAND_REACH = 2 * SIDE_TAPS - 1;

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
 * Low-passes `input` to below a quarter of its rate and keeps every other sample: writes
 * `count` outputs into `out` from `outAt`, output j centred on input sample `firstCentre + 2j`.
 */
export function decimateHalfband(input: Float64Array, firstCentre: number, count: number, out: Float64Array, outAt = 0): void {
  const length = input.length;
  for (let j = 0; j < count; j++) {
    const centre = firstCentre + 2 * j;
    let sum = CENTRE_TAP * (centre >= 0 && centre < length ? input[centre]! : 0);
    if (centre >= HALFBAND_REACH && centre + HALFBAND_REACH < length) {
      for (let t = 0; t < SIDE_TAPS; t++) {
        const offset = 2 * t + 1;
        sum += ODD_TAPS[t]! * (input[centre - offset]! + input[centre + offset]!);
      }
    } else {
      for (let t = 0; t < SIDE_TAPS; t++) {
        const offset = 2 * t + 1;
        const before = centre - offset;
        const after = centre + offset;
        sum += ODD_TAPS[t]! * ((before >= 0 && before < length ? input[before]! : 0) + (after >= 0 && after < length ? input[after]! : 0));
      }
    }
    out[outAt + j] = sum;
  }
}
