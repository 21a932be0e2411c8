// Utterance segmentation from the feature stream alone, for plugins that score per utterance
// when no VAD plugin runs: a frame is speech when it stands clearly above the noise floor (the
// quietest level of the last few seconds, which speech always dips to between words) and is
// either voiced or much louder than the floor; an utterance starts on the first voiced speech
// frame, reaching back over the loud unvoiced frames just before it (consonants; noise alone
// never starts one), ends after a hangover of non-speech, and is cut at a maximum
// length so a long monologue still gets scored as it goes.
import type { FeatureFrame } from "./feature-frame.ts";
import { NoiseFloor } from "./noise-floor.ts";

/** A stretch of speech and the feature frames it spans. */
export interface SpeechSegment {
  /** Media time of the first frame, ms. */
  readonly startMs: number;
  /** Media time just after the last frame, ms. */
  readonly endMs: number;
  /** Every frame from start to end, speech and the short pauses within it. */
  readonly frames: readonly FeatureFrame[];
  /** Frames judged speech. */
  readonly speechFrames: number;
  /** True when the segment was cut at the maximum length (speech goes on in the next one). */
  readonly truncated: boolean;
}

/** Tuning of the segmenter (defaults suit telephone speech at a 20 ms hop). */
export interface SegmenterOptions {
  /** A frame must be this far above the noise floor to be speech, dB (default 9). */
  marginDb?: number;
  /** An unvoiced frame must be this far above the floor to count as speech, dB (default 18). */
  unvoicedMarginDb?: number;
  /** Nothing quieter than this is speech, dBFS (default -55). */
  minimumLevelDb?: number;
  /** Non-speech that ends an utterance, ms (default 400). */
  hangoverMs?: number;
  /** How far an utterance may reach back over unvoiced speech before its first voiced frame, ms (default 200). */
  preRollMs?: number;
  /** Longest segment before it is cut, ms (default 6000). */
  maxSegmentMs?: number;
  /** Segments with less speech than this are dropped as clicks and bumps, ms (default 100). */
  minSpeechMs?: number;
  /** The noise floor is the quietest frame of this much recent audio, ms (default 4000). */
  floorWindowMs?: number;
  /**
   * The floor assumed until a whole window has been seen, dBFS (default -60): a stream that
   * starts in mid-word has not yet shown its quiet level.
   */
  initialFloorDb?: number;
}

/** The segmenter's defaults: telephone speech at a 20 ms hop. */
export const SEGMENTER_DEFAULTS: Readonly<Required<SegmenterOptions>> = {
  marginDb: 9,
  unvoicedMarginDb: 18,
  minimumLevelDb: -55,
  hangoverMs: 400,
  preRollMs: 200,
  maxSegmentMs: 6000,
  minSpeechMs: 100,
  floorWindowMs: 4000,
  initialFloorDb: -60,
};

/**
 * Groups feature frames into utterances. Pure and synchronous; one per stream.
 *
 *   const segmenter = new SpeechSegmenter();
 *   for (const frame of frames) segmenter.push(frame, (segment) => score(segment));
 *   segmenter.flush(score);
 */
export class SpeechSegmenter {
  readonly #margin: number;
  readonly #unvoicedMargin: number;
  readonly #minimumLevel: number;
  readonly #hangoverMs: number;
  readonly #preRollMs: number;
  readonly #maxSegmentMs: number;
  readonly #minSpeechMs: number;
  readonly #floor: NoiseFloor;
  #preRoll: FeatureFrame[] = [];
  #preRollSpeech: boolean[] = [];
  #current: FeatureFrame[] | null = null;
  #speechFrames = 0;
  #lastSpeechIndex = -1;
  #hopMs = 20;

  /** A segmenter with `options` (defaults suit speech). */
  constructor(options: SegmenterOptions = {}) {
    this.#margin = options.marginDb ?? SEGMENTER_DEFAULTS.marginDb;
    this.#unvoicedMargin = options.unvoicedMarginDb ?? SEGMENTER_DEFAULTS.unvoicedMarginDb;
    this.#minimumLevel = options.minimumLevelDb ?? SEGMENTER_DEFAULTS.minimumLevelDb;
    this.#hangoverMs = options.hangoverMs ?? SEGMENTER_DEFAULTS.hangoverMs;
    this.#preRollMs = options.preRollMs ?? SEGMENTER_DEFAULTS.preRollMs;
    this.#maxSegmentMs = options.maxSegmentMs ?? SEGMENTER_DEFAULTS.maxSegmentMs;
    this.#minSpeechMs = options.minSpeechMs ?? SEGMENTER_DEFAULTS.minSpeechMs;
    this.#floor = new NoiseFloor(options.floorWindowMs ?? SEGMENTER_DEFAULTS.floorWindowMs, options.initialFloorDb ?? SEGMENTER_DEFAULTS.initialFloorDb);
  }

  /** Current noise floor estimate, dBFS (the minimum level of the recent window). */
  get noiseFloorDb(): number {
    return this.#floor.floorDb(this.#hopMs);
  }

  /** True when `frame` counts as speech against the current floor. */
  isSpeech(frame: FeatureFrame): boolean {
    if (frame.levelDb < this.#minimumLevel) return false;
    const above = frame.levelDb - this.noiseFloorDb;
    return above >= this.#unvoicedMargin || (above >= this.#margin && frame.f0 > 0);
  }

  /** Adds the next frame; calls `onSegment` when it completes an utterance. */
  push(frame: FeatureFrame, onSegment: (segment: SpeechSegment) => void): void {
    this.#floor.add(frame.levelDb, this.#hopMs);
    const speech = this.isSpeech(frame);
    const current = this.#current;
    if (!current) {
      if (!speech || frame.f0 === 0) {
        this.#preRoll.push(frame);
        this.#preRollSpeech.push(speech);
        if (this.#preRoll.length * this.#hopMs > this.#preRollMs) {
          this.#preRoll.shift();
          this.#preRollSpeech.shift();
        }
        return;
      }
      let from = this.#preRoll.length;
      while (from > 0 && this.#preRollSpeech[from - 1]) from--;
      this.#current = [...this.#preRoll.slice(from), frame];
      this.#preRoll = [];
      this.#preRollSpeech = [];
      this.#speechFrames = 1;
      this.#lastSpeechIndex = this.#current.length - 1;
    } else {
      current.push(frame);
      if (speech) {
        this.#speechFrames++;
        this.#lastSpeechIndex = current.length - 1;
      }
      if (current.length >= 2) this.#hopMs = Math.max(1, current[1]!.timestamp - current[0]!.timestamp);
      const silentMs = (current.length - 1 - this.#lastSpeechIndex) * this.#hopMs;
      if (silentMs >= this.#hangoverMs) this.#finish(onSegment, false);
      else if (current.length * this.#hopMs >= this.#maxSegmentMs) this.#finish(onSegment, true);
    }
  }

  /** Ends the utterance in progress, if any (at the end of the stream). */
  flush(onSegment: (segment: SpeechSegment) => void): void {
    if (this.#current) this.#finish(onSegment, false);
    this.#preRoll = [];
    this.#preRollSpeech = [];
  }

  #finish(onSegment: (segment: SpeechSegment) => void, truncated: boolean): void {
    const current = this.#current!;
    // A segment ends with its last speech frame (plus one frame of decay) unless it was cut mid-speech.
    const frames = truncated ? current : current.slice(0, Math.min(current.length, this.#lastSpeechIndex + 2));
    const speechFrames = this.#speechFrames;
    this.#current = null;
    this.#speechFrames = 0;
    if (speechFrames * this.#hopMs < this.#minSpeechMs) return;
    const last = frames[frames.length - 1]!;
    onSegment({
      startMs: frames[0]!.timestamp - this.#hopMs / 2,
      endMs: last.timestamp + this.#hopMs / 2,
      frames,
      speechFrames,
      truncated,
    });
  }
}
