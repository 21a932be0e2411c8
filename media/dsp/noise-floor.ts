// The noise floor of a stream of frame levels: the quietest level of the last few seconds,
// which speech always dips to between words. Shared by the speech segmenter and by the feature
// extractor's gate, so both judge "above the floor" alike.

/** Sliding minimum of frame levels over a window of media time (a monotonic queue: O(1) per frame). */
export class NoiseFloor {
  // Levels increasing from the front, with the frame numbers they came from.
  readonly #indices: number[] = [];
  readonly #levels: number[] = [];
  #frames = 0;

  /**
   * A floor over the last `windowMs` of frames; `initialFloorDb` caps it until a whole window has
   * been seen (a stream that starts in mid-word has not yet shown its quiet level).
   */
  constructor(readonly windowMs: number, readonly initialFloorDb: number) {}

  /** The floor, dBFS, for frames `hopMs` apart. */
  floorDb(hopMs: number): number {
    const minimum = this.#levels[0] ?? this.initialFloorDb;
    return this.#frames * hopMs < this.windowMs ? Math.min(minimum, this.initialFloorDb) : minimum;
  }

  /** Adds the next frame's level, for frames `hopMs` apart. */
  add(levelDb: number, hopMs: number): void {
    const index = this.#frames++;
    const indices = this.#indices;
    const levels = this.#levels;
    while (levels.length > 0 && levels[levels.length - 1]! >= levelDb) {
      levels.pop();
      indices.pop();
    }
    levels.push(levelDb);
    indices.push(index);
    const window = Math.max(1, Math.round(this.windowMs / hopMs));
    while (indices[0]! <= index - window) {
      indices.shift();
      levels.shift();
    }
  }

  /** Forgets every level (a new stream). */
  reset(): void {
    this.#indices.length = 0;
    this.#levels.length = 0;
    this.#frames = 0;
  }
}
