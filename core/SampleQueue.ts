/** A FIFO of PCM samples that takes blocks of any size and gives out blocks of a fixed size. */
export class SampleQueue {
  readonly #chunks: Int16Array[] = [];
  #offset = 0;
  #length = 0;
  /** Samples dropped because the queue was full (oldest first). */
  dropped = 0;

  constructor(readonly capacity: number) {}

  /** Samples waiting. */
  get length(): number {
    return this.#length;
  }

  /** Appends samples; when over capacity, the oldest are dropped and counted. */
  push(samples: Int16Array): void {
    if (samples.length === 0) return;
    this.#chunks.push(samples);
    this.#length += samples.length;
    if (this.#length > this.capacity) this.#discard(this.#length - this.capacity);
  }

  /**
   * Takes exactly `count` samples, or null when fewer are waiting. A block pushed whole at exactly
   * that size comes back as the same array (blocks are never changed once pushed), so frames
   * pushed at the output size cost no copy and keep their identity (shared-encodings.ts).
   */
  take(count: number): Int16Array | null {
    if (this.#length < count) return null;
    const first = this.#chunks[0];
    if (this.#offset === 0 && first.length === count) {
      this.#chunks.shift();
      this.#length -= count;
      return first;
    }
    const out = new Int16Array(count);
    let filled = 0;
    while (filled < count) {
      const chunk = this.#chunks[0];
      const n = Math.min(count - filled, chunk.length - this.#offset);
      out.set(chunk.subarray(this.#offset, this.#offset + n), filled);
      filled += n;
      this.#advance(n);
    }
    return out;
  }

  /** Takes whatever is waiting (fewer than a block), padded with silence to `count`. */
  drain(count: number): Int16Array {
    const out = new Int16Array(count);
    const rest = this.take(Math.min(count, this.#length));
    if (rest) out.set(rest);
    return out;
  }

  /** Empties the queue. */
  clear(): void {
    this.#chunks.length = 0;
    this.#offset = 0;
    this.#length = 0;
  }

  #discard(count: number): void {
    this.dropped += count;
    while (count > 0) {
      const n = Math.min(count, this.#chunks[0].length - this.#offset);
      this.#advance(n);
      count -= n;
    }
  }

  #advance(n: number): void {
    this.#offset += n;
    this.#length -= n;
    if (this.#offset === this.#chunks[0].length) {
      this.#chunks.shift();
      this.#offset = 0;
    }
  }
}
