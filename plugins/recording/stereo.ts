// Lines up the two channels of a recording on the pacer's clock. The right channel (what the
// caller hears) comes as one frame per tick, silence included, so it is the timeline. The caller's
// audio comes when packets do: a pause in their stream (no packets, a late burst) would shift every
// later word, so when the left falls more than a little behind the timeline it is padded with
// silence, and the next audio lands where it was heard. When the caller's audio runs ahead instead
// (the pacer skipped ticks in a stall of the machine: nothing was sent then), the right is padded
// with silence: the caller's words are never dropped.

import { FifoSlab } from "../../media/mod.ts";

/**
 * Samples waiting in one channel, as a list of chunks read from the front. What is pushed is
 * copied into the queue's own ring (the caller may reuse its array: the recorder thread hands each
 * batch's buffer back at once), and each chunk's room is given back as soon as it is read.
 */
class ChannelQueue {
  readonly #chunks: Int16Array[] = [];
  readonly #ring: FifoSlab;
  #head = 0;
  length = 0;

  constructor(capacity: number) {
    this.#ring = new FifoSlab(capacity);
  }

  push(samples: Int16Array): void {
    if (samples.length === 0) return;
    const copy = this.#ring.take(samples.length);
    copy.set(samples);
    this.#chunks.push(copy);
    this.length += samples.length;
  }

  pushSilence(count: number): void {
    if (count <= 0) return;
    this.#chunks.push(this.#ring.take(count).fill(0));
    this.length += count;
  }

  /** The chunk at the front and where its unread samples begin (`length` must be above 0). */
  get front(): Int16Array {
    return this.#chunks[0]!;
  }

  get head(): number {
    return this.#head;
  }

  /** Drops `count` samples (at most what the front chunk has left) from the front. */
  advance(count: number): void {
    this.#head += count;
    this.length -= count;
    if (this.#head === this.#chunks[0]!.length) {
      this.#ring.release(this.#chunks.shift()!.length);
      this.#head = 0;
    }
  }
}

/** Writes `count` samples of `left` from `leftAt` and of `right` from `rightAt` into `out` from `at`, interleaved: one pass for both channels. */
function interleave(out: Int16Array, at: number, left: Int16Array, leftAt: number, right: Int16Array, rightAt: number, count: number): void {
  for (let i = 0; i < count; i++) {
    out[at + 2 * i] = left[leftAt + i]!;
    out[at + 2 * i + 1] = right[rightAt + i]!;
  }
}

/** Turns the caller's audio and the heard audio into interleaved stereo frames aligned in time. */
export class StereoAligner {
  readonly #left: ChannelQueue;
  readonly #right: ChannelQueue;
  /**
   * Where emitted blocks are carved from: the masker and the appender hold them until they are
   * written, then `release` gives their room back. Fresh memory per block instead made the recorder
   * thread's collector run a full collection every third of a second at 200 calls.
   */
  readonly #blocks: FifoSlab;
  /** Silence put into the right channel because the caller's audio ran more than `maxAheadSamples` ahead of it. */
  paddedSamples = 0;

  /**
   * @param slackSamples how far the caller's audio may lag the timeline before silence is put in (absorbs packet timing)
   * @param maxAheadSamples how far it may run ahead (ticks the pacer skipped, a sender whose clock is fast) before the right is padded to it
   * @param output receives each block of interleaved samples, left first; the block is the aligner's until `release` gives it back
   * @param blockCapacity interleaved samples the emitted blocks are expected to hold at once, until written (their ring grows past it if need be)
   */
  constructor(readonly slackSamples: number, readonly maxAheadSamples: number, readonly output: (interleaved: Int16Array) => void, blockCapacity = 65536) {
    this.#blocks = new FifoSlab(blockCapacity);
    // What a channel holds at most, as a rule: the other's lead plus a tick or two.
    this.#left = new ChannelQueue(slackSamples + maxAheadSamples);
    this.#right = new ChannelQueue(slackSamples + maxAheadSamples);
  }

  /** Samples of the caller's channel waiting: the next caller audio lands this far past what was emitted. */
  get leftPending(): number {
    return this.#left.length;
  }

  /** Samples of either channel received and not yet emitted (the other channel holds none): how far the later channel runs ahead of the output. */
  get pending(): number {
    return Math.max(this.#left.length, this.#right.length);
  }

  /** The caller's audio, as it arrives. */
  left(samples: Int16Array): void {
    this.#left.push(samples);
    const ahead = this.#left.length - this.#right.length - this.maxAheadSamples;
    if (ahead > 0) {
      this.#right.pushSilence(ahead);
      this.paddedSamples += ahead;
      this.#emit(Math.min(this.#left.length, this.#right.length));
    }
  }

  /** One tick of what the caller heard: advances the timeline and emits what both channels now hold. */
  right(samples: Int16Array): void {
    this.#right.push(samples);
    const lag = this.#right.length - this.#left.length - this.slackSamples;
    if (lag > 0) this.#left.pushSilence(lag);
    this.#emit(Math.min(this.#left.length, this.#right.length));
  }

  /** Emits everything held, the shorter channel padded with silence (the call's end). */
  end(): void {
    this.#left.pushSilence(this.#right.length - this.#left.length);
    this.#right.pushSilence(this.#left.length - this.#right.length);
    this.#emit(this.#left.length);
  }

  /** Gives back the room of the oldest `samples` interleaved samples emitted (blocks are released in the order they were emitted, once written). */
  release(samples: number): void {
    this.#blocks.release(samples);
  }

  #emit(count: number): void {
    if (count <= 0) return;
    const out = this.#blocks.take(count * 2);
    const left = this.#left;
    const right = this.#right;
    for (let at = 0; at < count * 2;) {
      // As much as both front chunks have: a frame of each, as a rule, in one pass.
      const n = Math.min(count - at / 2, left.front.length - left.head, right.front.length - right.head);
      interleave(out, at, left.front, left.head, right.front, right.head, n);
      left.advance(n);
      right.advance(n);
      at += 2 * n;
    }
    this.output(out);
  }
}
