// Int16Arrays carved one after another from one reusable ring and given back in the order they
// were carved, for holders that keep audio a short while and let it go in order (a recording's
// channel queues, stereo.ts, copy each frame in and release it once interleaved). Int16Slab
// (int16-slab.ts) hands out fresh memory and leaves the collector to free it; a ring allocates
// once per holder, and again only when it has to grow. In the recorder thread, copying 200 calls'
// frames into fresh slabs instead cost a full collection every third of a second.

/** Hands out Int16Arrays from a ring; `release` gives back the oldest samples still held. */
export class FifoSlab {
  #ring: Int16Array;
  /** First sample still held. */
  #head = 0;
  /** Where the next array is carved. */
  #tail = 0;
  /** While the held samples wrap round: where they stop at the end of the ring (the tail is then before the head). */
  #wrapAt = -1;
  /** Samples still held in rings outgrown (they come before any of the current ring's). */
  #retired = 0;

  /** A ring of `capacity` samples to begin with (it doubles when more is held at once). */
  constructor(capacity: number) {
    this.#ring = new Int16Array(Math.max(1, capacity));
  }

  /** Samples held: carved and not yet released. */
  get held(): number {
    return this.#retired + (this.#wrapAt < 0 ? this.#tail - this.#head : this.#wrapAt - this.#head + this.#tail);
  }

  /** An array of `count` samples that no later `take` overlaps until it is released; its contents are whatever was there (write it whole). */
  take(count: number): Int16Array {
    if (this.#wrapAt < 0) {
      if (this.#tail + count <= this.#ring.length) return this.#carve(count);
      // The end of the ring is too short: go round to its start, when the samples held leave room there.
      if (count < this.#head) {
        this.#wrapAt = this.#tail;
        this.#tail = 0;
        return this.#carve(count);
      }
    } else if (this.#tail + count < this.#head) {
      return this.#carve(count);
    }
    // Full: the held samples stay where they are (their arrays point there), later ones go to a ring twice as large.
    this.#retired = this.held;
    this.#ring = new Int16Array(Math.max(this.#ring.length * 2, count));
    this.#head = 0;
    this.#tail = 0;
    this.#wrapAt = -1;
    return this.#carve(count);
  }

  /** Gives back the `count` oldest samples held (never more than are held). */
  release(count: number): void {
    if (count > this.held) throw new RangeError(`released ${count} samples, but only ${this.held} are held`);
    const retired = Math.min(count, this.#retired);
    this.#retired -= retired;
    let left = count - retired;
    if (left > 0 && this.#wrapAt >= 0) {
      const beforeWrap = Math.min(left, this.#wrapAt - this.#head);
      this.#head += beforeWrap;
      left -= beforeWrap;
      if (this.#head === this.#wrapAt) {
        this.#head = 0;
        this.#wrapAt = -1;
      }
    }
    this.#head += left;
    // Empty: start again at the beginning, where the longest run is free.
    if (this.#wrapAt < 0 && this.#head === this.#tail) this.#head = this.#tail = 0;
  }

  #carve(count: number): Int16Array {
    // The constructor rather than subarray: subarray looks up the species constructor, several times slower for a short view.
    const array = new Int16Array(this.#ring.buffer, this.#tail * 2, count);
    this.#tail += count;
    return array;
  }
}
