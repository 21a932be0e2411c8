// Cuts a stream of 16-bit sample blocks into overlapping frames, like Framer, but every frame
// stays readable after later pushes, with some samples of history before it: frames are windows
// of Int16 slabs that are never overwritten (a full slab is left to the frames that still hold
// it and a new one started). So a frame's analysis can wait until someone asks for it, at the
// cost of one copy of each sample (two at a slab's end) and one slab allocation per slab.

/**
 * Called once per complete frame: `slab[at, at + frameLength)` is frame `index`, and the
 * `history` samples before `at` are the stream's preceding samples (zeros before its start).
 * The slab's contents at those positions never change.
 */
export type SlabFrameHandler = (slab: Int16Array, at: number, index: number) => void;

/**
 * Streaming framer over persistent slabs. Frame k covers input samples [k * hop, k * hop + frameLength).
 *
 *   const framer = new SlabFramer(640, 320, 192);
 *   framer.push(block, (slab, at, k) => later.push(() => analyse(slab, at - 192, at + 640)));
 */
export class SlabFramer {
  readonly #capacity: number;
  #slab: Int16Array;
  /** Where the next sample goes. */
  #end = 0;
  /** Where the next frame starts. */
  #next = 0;
  #index = 0;

  /** Frames of `frameLength` samples, `hop` apart, each with `history` samples before it; about `slabFrames` frames per slab. */
  constructor(readonly frameLength: number, readonly hop: number, readonly history: number, slabFrames = 50) {
    this.#capacity = history + frameLength + (Math.max(1, slabFrames) - 1) * hop;
    this.#slab = this.#start();
  }

  /** Adds `samples` and calls `onFrame` for each frame they complete, in order. */
  push(samples: Int16Array, onFrame: SlabFrameHandler): void {
    let read = 0;
    while (read < samples.length) {
      if (this.#next + this.frameLength > this.#capacity) this.#carryOver();
      const frameEnd = this.#next + this.frameLength;
      const take = Math.min(frameEnd - this.#end, samples.length - read);
      this.#slab.set(take === samples.length ? samples : samples.subarray(read, read + take), this.#end);
      this.#end += take;
      read += take;
      if (this.#end === frameEnd) {
        onFrame(this.#slab, this.#next, this.#index++);
        this.#next += this.hop;
      }
    }
  }

  /** Forgets the stream so far and restarts frame numbering (frames already handed out stay valid). */
  reset(): void {
    this.#slab = this.#start();
    this.#index = 0;
  }

  /** A new zeroed slab whose first frame is preceded by `history` zeros. */
  #start(): Int16Array {
    this.#end = this.history;
    this.#next = this.history;
    return new Int16Array(this.#capacity);
  }

  /** Starts a new slab holding what the next frame needs of the old one: its history and the samples already in. */
  #carryOver(): void {
    const from = this.#next - this.history;
    const slab = new Int16Array(this.#capacity);
    slab.set(this.#slab.subarray(from, this.#end));
    this.#slab = slab;
    this.#end -= from;
    this.#next = this.history;
  }
}
