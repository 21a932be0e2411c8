// Band-limited streaming sample-rate conversion by any rational ratio: a polyphase Kaiser-windowed
// sinc (resampler-design.ts: flat to 0.8 of the lower Nyquist frequency, -6 dB at 0.9, at least
// 64 dB down from it on), run by WebAssembly SIMD kernels (resampler-kernels.ts). This file keeps
// each stream's position and history.
//
// Each call returns a new array that no later call writes to: subscribers of a session's audio may
// keep the frames they are given (AudioFanout passes this output on as it is), so a buffer reused
// from call to call would change frames under them. The arrays are views carved from shared 16 KiB
// slabs (resampler-kernels.ts), which halves the cost of 8 to 16 kHz against a buffer of their own;
// the price is that a frame's buffer holds other frames, so whoever posts a frame to a worker
// copies it first (structured cloning copies a view's whole buffer).

import { designFilter } from "./resampler-design.ts";
import { type KernelFilter, loadFilter, runFilter, silentOutput } from "./resampler-kernels.ts";

/** Converts a mono 16-bit PCM stream from one rate to another, frame by frame; one per stream. */
export interface Resampler {
  /** Rate of the input, in Hz. */
  readonly fromRate: number;
  /** Rate of the output, in Hz. */
  readonly toRate: number;
  /**
   * Group delay in ms: the output at media time t reflects the input at t - delayMs. A whole
   * number of input samples (and of output samples for 8/16/48 kHz): 2.5 ms between 8 kHz and
   * 16 or 48 kHz, 1.25 ms between 16 and 48 kHz.
   */
  readonly delayMs: number;
  /**
   * Converts the next block of input, continuing from the previous call: consecutive blocks join
   * as if processed in one piece. A block of 20 ms at 8, 16, 48 kHz (or any multiple of 50 Hz)
   * gives exactly 20 ms of output every call. The result is new and the caller's to keep; its
   * buffer is shared with other results (copy it before posting it to a worker).
   */
  process(input: Int16Array): Int16Array;
  /** Forgets all past input, as if newly created. */
  reset(): void;
}

/** A rate pair's filter, ready to run, and its group delay in input samples. */
interface FilterBank {
  readonly filter: KernelFilter;
  readonly delay: number;
}

/** One bank per (fromRate, toRate) pair, shared by every stream of that pair. */
const filterBanks = new Map<string, FilterBank>();

/**
 * Creates a streaming resampler from `fromRate` to `toRate` Hz. Throws RangeError unless both
 * are positive integers whose ratio needs at most a million filter coefficients (44100 <-> 48000
 * needs about 6500; 44100 -> 44101 would need two million).
 */
export function createResampler(fromRate: number, toRate: number): Resampler {
  for (const rate of [fromRate, toRate]) {
    if (!Number.isInteger(rate) || rate <= 0) throw new RangeError(`sample rate must be a positive integer, got ${rate}`);
  }
  if (fromRate === toRate) return new PassThrough(fromRate);
  const key = `${fromRate}:${toRate}`;
  let bank = filterBanks.get(key);
  if (!bank) {
    const design = designFilter(fromRate, toRate);
    bank = { filter: loadFilter(design), delay: design.delay };
    filterBanks.set(key, bank);
  }
  return new PolyphaseResampler(fromRate, toRate, bank);
}

/** Equal rates: a copy, so callers can treat every rate pair alike. */
class PassThrough implements Resampler {
  readonly delayMs = 0;
  constructor(readonly fromRate: number) {}

  get toRate(): number {
    return this.fromRate;
  }

  process(input: Int16Array): Int16Array {
    return input.slice();
  }

  reset(): void {}
}

/** One stream's position and recent input; the filter belongs to the shared bank. */
class PolyphaseResampler implements Resampler {
  readonly delayMs: number;
  readonly #filter: KernelFilter;
  /** The last taps - 1 input samples. */
  readonly #history: Float32Array;
  /** Position of the next output relative to the next block: input index and phase. */
  #index = 0;
  #phase = 0;
  /**
   * True while the history holds only zeros (the last block was digital silence at least as long
   * as the history): a silent block then gives zeros without running the filter. A leg that sends
   * nothing is resampled every tick (a recording's heard channel), and most ticks are silent.
   */
  #quiet = true;

  constructor(readonly fromRate: number, readonly toRate: number, bank: FilterBank) {
    this.#filter = bank.filter;
    this.delayMs = (bank.delay * 1000) / fromRate;
    this.#history = new Float32Array(bank.filter.taps - 1);
  }

  process(input: Int16Array): Int16Array {
    if (input.length === 0) return new Int16Array(0);
    const { up, down } = this.#filter;
    // Positions count in steps of 1/up input samples; outputs fall every `down` steps.
    const start = this.#index * up + this.#phase;
    const end = input.length * up;
    const count = start < end ? Math.ceil((end - start) / down) : 0;
    const silent = isSilent(input);
    const out = silent && this.#quiet ? silentOutput(count) : runFilter(this.#filter, this.#history, input, this.#index, this.#phase, count);
    this.#quiet = silent && (this.#quiet || input.length >= this.#history.length);
    const next = start + count * down - end;
    this.#index = Math.floor(next / up);
    this.#phase = next % up;
    return out;
  }

  reset(): void {
    this.#history.fill(0);
    this.#index = 0;
    this.#phase = 0;
    this.#quiet = true;
  }
}

/** True when every sample is zero (it stops at the first that is not, so speech costs a sample or two). */
function isSilent(samples: Int16Array): boolean {
  for (let i = 0; i < samples.length; i++) if (samples[i] !== 0) return false;
  return true;
}
