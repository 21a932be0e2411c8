// Cuts a stream of sample blocks of any size into overlapping analysis frames of a fixed length
// and hop, without allocating per frame: the caller gets a view of one internal buffer.

/** Called once per complete frame; `frame` is reused by the next call, so copy what you keep. */
export type FrameHandler = (frame: Float64Array, frameIndex: number) => void;

/**
 * Streaming framer: `push` blocks of PCM and get every complete frame of `frameLength` samples,
 * frames starting `hop` samples apart. Frame k covers input samples [k * hop, k * hop + frameLength).
 *
 *   const framer = new Framer(400, 160);         // 25 ms frames every 10 ms at 16 kHz
 *   framer.push(block, (frame, k) => analyse(frame));
 */
export class Framer {
  readonly #buffer: Float64Array;
  #filled = 0;
  #index = 0;

  /** Frames of `frameLength` samples, `hop` samples apart (1 <= hop <= frameLength). */
  constructor(readonly frameLength: number, readonly hop: number) {
    this.#buffer = new Float64Array(frameLength);
  }

  /** Index the next frame will have. */
  get framesEmitted(): number {
    return this.#index;
  }

  /** Adds `samples` and calls `onFrame` for each frame they complete, in order. */
  push(samples: Int16Array | Float64Array, onFrame: FrameHandler): void {
    const buffer = this.#buffer;
    const length = this.frameLength;
    let read = 0;
    while (read < samples.length) {
      const take = Math.min(length - this.#filled, samples.length - read);
      buffer.set(samples.subarray(read, read + take), this.#filled);
      this.#filled += take;
      read += take;
      if (this.#filled === length) {
        onFrame(buffer, this.#index++);
        buffer.copyWithin(0, this.hop);
        this.#filled = length - this.hop;
      }
    }
  }

  /** Forgets buffered samples and restarts frame numbering. */
  reset(): void {
    this.#filled = 0;
    this.#index = 0;
  }
}
