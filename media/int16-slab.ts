// Fresh Int16Arrays for hot paths, carved from shared slabs. A new ArrayBuffer per array costs
// about 0.6 us (its backing store is allocated outside the heap and tracked by the collector); a
// view on a slab costs 0.1 us. An array carved here is never written by a later `take`, so its
// holder may keep it; the price is that it shares its ArrayBuffer with its neighbours: copy it
// before transferring or posting it to a worker (structured cloning copies a view's whole buffer).

/** Hands out new Int16Arrays carved one after another from slabs of `slabBytes`. */
export class Int16Slab {
  #slab = new ArrayBuffer(0);
  #used = 0;

  /** Slabs of `slabBytes` (an array larger than that gets a buffer of its own size). */
  constructor(readonly slabBytes = 16384) {}

  /** A new, zeroed array of `count` samples that no later call writes to. */
  take(count: number): Int16Array {
    const bytes = count * 2;
    if (this.#used + bytes > this.#slab.byteLength) {
      this.#slab = new ArrayBuffer(Math.max(this.slabBytes, bytes));
      this.#used = 0;
    }
    const result = new Int16Array(this.#slab, this.#used, count);
    this.#used += bytes;
    return result;
  }
}
