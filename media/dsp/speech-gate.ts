// Which frames may be speech, by the level test of the speech segmenter alone: a frame quieter
// than its minimum level, or not the smaller of its margins above the noise floor, is never
// speech whatever its pitch. The feature extractor analyses the other frames as they come and
// leaves these to be analysed if something reads them.
import { NoiseFloor } from "./noise-floor.ts";
import { SEGMENTER_DEFAULTS, type SegmenterOptions } from "./speech-segmenter.ts";

/** The segmenter's level test, ahead of the segmenter: one per stream. */
export class SpeechGate {
  readonly #floor: NoiseFloor;
  readonly #minimumLevelDb: number;
  readonly #marginDb: number;

  /** The level test of a segmenter with `options` (defaults: the default segmenter's). */
  constructor(readonly hopMs: number, options: SegmenterOptions = {}) {
    this.#floor = new NoiseFloor(options.floorWindowMs ?? SEGMENTER_DEFAULTS.floorWindowMs, options.initialFloorDb ?? SEGMENTER_DEFAULTS.initialFloorDb);
    this.#minimumLevelDb = options.minimumLevelDb ?? SEGMENTER_DEFAULTS.minimumLevelDb;
    this.#marginDb = Math.min(options.marginDb ?? SEGMENTER_DEFAULTS.marginDb, options.unvoicedMarginDb ?? SEGMENTER_DEFAULTS.unvoicedMarginDb);
  }

  /** Adds the next frame's level; true when that frame passes the level test (it may be speech). */
  admit(levelDb: number): boolean {
    this.#floor.add(levelDb, this.hopMs);
    return levelDb >= this.#minimumLevelDb && levelDb - this.#floor.floorDb(this.hopMs) >= this.#marginDb;
  }

  /** Forgets the stream so far. */
  reset(): void {
    this.#floor.reset();
  }
}
