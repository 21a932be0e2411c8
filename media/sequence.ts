/**
 * Wrapping RTP counters (16-bit sequence numbers, 32-bit timestamps) and their extension into
 * numbers that keep growing, so jitter buffers and statistics can compare and subtract them.
 */

/** Signed distance `a - b` between two 16-bit sequence numbers, in -32768..32767. */
export function seqDiff16(a: number, b: number): number {
  return ((a - b) << 16) >> 16;
}

/** Signed distance `a - b` between two 32-bit RTP timestamps, in -2^31..2^31-1. */
export function timestampDiff32(a: number, b: number): number {
  return (a - b) | 0;
}

/**
 * Extends a wrapping counter relative to the highest value seen so far. Values within half the
 * range behind it (reordered or late packets) map below it, even across a wrap.
 */
class Unwrapper {
  readonly #mask: (value: number) => number;
  readonly #diff: (a: number, b: number) => number;
  #highestRaw = 0;
  #highest = Number.NaN;

  constructor(mask: (value: number) => number, diff: (a: number, b: number) => number) {
    this.#mask = mask;
    this.#diff = diff;
  }

  /** Extended value of `value`; the first value maps to itself, so early late ones may be negative. */
  unwrap(value: number): number {
    const raw = this.#mask(value);
    if (Number.isNaN(this.#highest)) {
      this.#highestRaw = raw;
      this.#highest = raw;
      return raw;
    }
    const delta = this.#diff(raw, this.#highestRaw);
    const extended = this.#highest + delta;
    if (delta > 0) {
      this.#highestRaw = raw;
      this.#highest = extended;
    }
    return extended;
  }
}

/** Extends 16-bit RTP sequence numbers; one instance per stream. */
export class SequenceUnwrapper extends Unwrapper {
  constructor() {
    super((value) => value & 0xffff, seqDiff16);
  }
}

/** Extends 32-bit RTP timestamps; one instance per stream. */
export class TimestampUnwrapper extends Unwrapper {
  constructor() {
    super((value) => value >>> 0, timestampDiff32);
  }
}
