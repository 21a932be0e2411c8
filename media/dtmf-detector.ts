/**
 * In-band DTMF: key tones found in the audio itself (a gateway that does not send RFC 4733, a
 * phone whose keys are heard), by the Goertzel algorithm over blocks of 25.6 ms (205 samples at
 * 8 kHz, the classic size: its bins are the eight DTMF frequencies' neighbours apart), with the
 * checks that keep speech from passing for a key: the two tones make most of the block's energy,
 * each is well above the other frequencies of its group, their levels are within 8 dB (twist),
 * and a key lasts at least two blocks.
 */

const ROWS = [697, 770, 852, 941];
const COLUMNS = [1209, 1336, 1477, 1633];
const KEYPAD = ["123A", "456B", "789C", "*0#D"];
const BLOCK_MS = 25.6;
/** Quietest block considered, RMS of 16-bit samples (about -40 dBm0). */
const MIN_RMS = 100;
/** Share of the block's energy the two tones must carry. */
const MIN_TONE_SHARE = 0.75;
/** How much stronger (power) a tone must be than the next of its group: 6 dB. */
const MIN_GROUP_RATIO = 4;
/** Largest power ratio between the two tones: 8 dB. */
const MAX_TWIST = 6.3;
/** Blocks in a row that make a key. */
const MIN_BLOCKS = 2;

/** A key found in the audio: which, and where its tone lies in the samples pushed so far. */
export interface InbandDtmf {
  readonly digit: string;
  /** Index of the first sample of the first block that heard it. */
  readonly startSample: number;
  /** Index just past the last block that heard it. */
  readonly endSample: number;
  readonly durationMs: number;
}

/** The power of each of `frequencies` in `block` (Goertzel, all in one pass), scaled so a pure sine's is its energy in the block. */
function goertzelPowers(block: Float64Array, coefficients: Float64Array, out: Float64Array): void {
  // Two state variables per frequency, in locals: one pass over the block for all eight.
  const [c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0] = coefficients;
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
  let b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0, b7 = 0;
  for (let i = 0; i < block.length; i++) {
    const x = block[i]!;
    let s = x + c0 * a0 - b0; b0 = a0; a0 = s;
    s = x + c1 * a1 - b1; b1 = a1; a1 = s;
    s = x + c2 * a2 - b2; b2 = a2; a2 = s;
    s = x + c3 * a3 - b3; b3 = a3; a3 = s;
    s = x + c4 * a4 - b4; b4 = a4; a4 = s;
    s = x + c5 * a5 - b5; b5 = a5; a5 = s;
    s = x + c6 * a6 - b6; b6 = a6; a6 = s;
    s = x + c7 * a7 - b7; b7 = a7; a7 = s;
  }
  const scale = 2 / block.length;
  const states = [[a0, b0, c0], [a1, b1, c1], [a2, b2, c2], [a3, b3, c3], [a4, b4, c4], [a5, b5, c5], [a6, b6, c6], [a7, b7, c7]] as const;
  states.forEach(([a, b, c], k) => (out[k] = (a * a + b * b - c * a * b) * scale));
}

/** The index of the strongest of `count` powers from `from`, if it stands out from the others of its group. */
function strongest(powers: Float64Array, from: number, count: number): number | undefined {
  let best = from;
  for (let i = from + 1; i < from + count; i++) if (powers[i]! > powers[best]!) best = i;
  for (let i = from; i < from + count; i++) if (i !== best && powers[best]! < MIN_GROUP_RATIO * powers[i]!) return undefined;
  return best - from;
}

/** The key a block holds, if any; `powers` is scratch space for the eight tones' powers. */
function blockDigit(block: Float64Array, coefficients: Float64Array, powers: Float64Array): string | undefined {
  let energy = 0;
  for (let i = 0; i < block.length; i++) energy += block[i]! * block[i]!;
  if (energy < MIN_RMS * MIN_RMS * block.length) return undefined;
  goertzelPowers(block, coefficients, powers);
  const row = strongest(powers, 0, ROWS.length);
  const column = strongest(powers, ROWS.length, COLUMNS.length);
  if (row === undefined || column === undefined) return undefined;
  const [low, high] = [powers[row]!, powers[ROWS.length + column]!];
  if (low + high < MIN_TONE_SHARE * energy) return undefined;
  if (Math.max(low, high) > MAX_TWIST * Math.min(low, high)) return undefined;
  return KEYPAD[row]![column];
}

/**
 * Finds key tones in a stream of mono samples: `push` returns each key whose tone has just ended
 * (reported once, with where it lay), `flush` the one still sounding at the stream's end.
 */
export class InbandDtmfDetector {
  readonly #block: Float64Array;
  readonly #coefficients: Float64Array;
  readonly #powers = new Float64Array(ROWS.length + COLUMNS.length);
  #filled = 0;
  /** Samples pushed before the block being filled. */
  #blockStart = 0;
  #current: { digit: string; start: number; end: number; blocks: number; misses: number } | undefined;

  constructor(readonly sampleRate: number) {
    this.#block = new Float64Array(Math.round((sampleRate * BLOCK_MS) / 1000));
    this.#coefficients = Float64Array.from([...ROWS, ...COLUMNS], (frequency) => 2 * Math.cos((2 * Math.PI * frequency) / sampleRate));
  }

  /** Consumes samples; returns the keys whose tones ended in them. */
  push(samples: Int16Array): InbandDtmf[] {
    const found: InbandDtmf[] = [];
    const block = this.#block;
    for (let at = 0; at < samples.length;) {
      const count = Math.min(samples.length - at, block.length - this.#filled);
      block.set(samples.subarray(at, at + count), this.#filled);
      this.#filled += count;
      at += count;
      if (this.#filled === block.length) {
        this.#onBlock(blockDigit(block, this.#coefficients, this.#powers), found);
        this.#blockStart += block.length;
        this.#filled = 0;
      }
    }
    return found;
  }

  /** The key still sounding, if it lasted long enough (the end of the stream). */
  flush(): InbandDtmf | undefined {
    const current = this.#current;
    this.#current = undefined;
    return current && current.blocks >= MIN_BLOCKS ? this.#report(current) : undefined;
  }

  #onBlock(digit: string | undefined, found: InbandDtmf[]): void {
    const end = this.#blockStart + this.#block.length;
    const current = this.#current;
    if (current && digit === current.digit) {
      current.blocks++;
      current.misses = 0;
      current.end = end;
      return;
    }
    // One block that misses (a tone starting or ending mid-block, a burst of noise) does not end a key.
    if (current && ++current.misses < 2 && digit === undefined) return;
    if (current && current.blocks >= MIN_BLOCKS) found.push(this.#report(current));
    this.#current = digit === undefined ? undefined : { digit, start: this.#blockStart, end, blocks: 1, misses: 0 };
  }

  #report(key: { digit: string; start: number; end: number }): InbandDtmf {
    return { digit: key.digit, startSample: key.start, endSample: key.end, durationMs: ((key.end - key.start) * 1000) / this.sampleRate };
  }
}
