// The per-session acoustic front end: every 20 ms (one frame of a call's audio), one
// FeatureFrame of everything the analytics models use (level, pitch, spectral shape, MFCC,
// narrowband MFCC, LFCC, and LFCC of the telephone band and of the band above it), computed once
// per session and shared. Each frame looks at the last 40 ms of audio (see FrameAnalyser). A
// 20 ms hop rather than the textbook 10 ms halves the cost per call; the models only use
// statistics over whole utterances, which barely notice.
//
// Only the level of a frame is measured as it comes. The rest, pitch and spectrum above all, is
// analysed at once when its level may be speech (the segmenter's level test), and otherwise only when something
// reads them: the silence and steady noise between utterances, most of a call, then costs a
// level measurement. The numbers are the same either way.
import { AnalysedFrame, type VoicingRule } from "./analysed-frame.ts";
import { levelDb, rmsOf } from "./energy.ts";
import type { FeatureFrame } from "./feature-frame.ts";
import { FEATURE_HOP_MS, FEATURE_SAMPLE_RATE, FRAME_HISTORY, FRAME_HOP, FRAME_LENGTH, FrameAnalyser, SPECTRAL_START, SPECTRAL_WINDOW } from "./frame-analyser.ts";
import { SlabFramer } from "./slab-framer.ts";
import { SpeechGate } from "./speech-gate.ts";
import type { SegmenterOptions } from "./speech-segmenter.ts";

export { CEPSTRA, FEATURE_HOP_MS, FEATURE_SAMPLE_RATE, NARROWBAND_HZ } from "./frame-analyser.ts";
export type { FeatureFrame } from "./feature-frame.ts";

/** Tuning of the front end (defaults suit speech). */
export interface FeatureOptions {
  /** Pitch clarity at or above which a frame counts as voiced (default 0.6). */
  voicingThreshold?: number;
  /** Frames quieter than this (dBFS) are never voiced, and their pitch is not searched (default -55). */
  voicingFloorDb?: number;
  /**
   * Frames are analysed as they come when a segmenter with these options could count them as
   * speech (default: the default segmenter's), the others when first read; `false` analyses
   * every frame as it comes. Only when the work is done changes, never a feature.
   */
  speechGate?: SegmenterOptions | false;
}

/** How much analysis a FeatureExtractor has done. */
export interface FeatureWork {
  /** Frames emitted. */
  readonly frames: number;
  /** Pitch searches run (never for frames below the voicing floor). */
  readonly pitches: number;
  /** Spectra analysed (FFT, filterbanks, cepstra). */
  readonly spectra: number;
}

/**
 * Streams 16 kHz PCM into FeatureFrames, one every 20 ms. Synchronous; one per stream. A
 * frame's pitch and spectrum may be computed when first read, from samples it keeps.
 *
 *   const extractor = new FeatureExtractor();
 *   extractor.push(frame.samples, frame.timestamp, (features) => model.add(features));
 */
export class FeatureExtractor {
  readonly #voicing: VoicingRule;
  readonly #gate: SpeechGate | null;
  readonly #framer = new SlabFramer(FRAME_LENGTH, FRAME_HOP, FRAME_HISTORY);
  readonly #analyser = new FrameAnalyser();
  readonly #onFrame = (slab: Int16Array, at: number, index: number) => this.#analyse(slab, at, index);
  #emit: (frame: FeatureFrame) => void = () => {};
  #consumed = 0;
  #originMs = 0;
  #frames = 0;

  /** A front end with `options` (defaults suit speech). */
  constructor(options: FeatureOptions = {}) {
    this.#voicing = { threshold: options.voicingThreshold ?? 0.6, floorDb: options.voicingFloorDb ?? -55 };
    this.#gate = options.speechGate === false ? null : new SpeechGate(FEATURE_HOP_MS, options.speechGate);
  }

  /** The analysis done so far (frames skipped in silence never count). */
  get work(): FeatureWork {
    return { frames: this.#frames, pitches: this.#analyser.pitches, spectra: this.#analyser.spectra };
  }

  /**
   * Adds 16 kHz samples whose first sample is at media time `timestampMs` and calls `onFrame`
   * for every feature frame they complete. Blocks are assumed contiguous; the timestamp keeps
   * the frames' clock in step with the stream's.
   */
  push(samples: Int16Array, timestampMs: number, onFrame: (frame: FeatureFrame) => void): void {
    this.#originMs = timestampMs - (this.#consumed * 1000) / FEATURE_SAMPLE_RATE;
    this.#consumed += samples.length;
    this.#emit = onFrame;
    this.#framer.push(samples, this.#onFrame);
  }

  /** Forgets the stream so far (frames already emitted stay readable). */
  reset(): void {
    this.#framer.reset();
    this.#analyser.reset();
    this.#gate?.reset();
    this.#consumed = 0;
  }

  #analyse(slab: Int16Array, at: number, index: number): void {
    this.#frames++;
    const level = levelDb(rmsOf(slab, at + SPECTRAL_START, at + FRAME_LENGTH));
    const timestamp = this.#originMs + ((index * FRAME_HOP + SPECTRAL_START + SPECTRAL_WINDOW / 2) * 1000) / FEATURE_SAMPLE_RATE;
    const frame = new AnalysedFrame(this.#analyser, slab, at, index, timestamp, level, this.#voicing);
    if (this.#gate === null || this.#gate.admit(level)) frame.analyse();
    this.#emit(frame);
  }
}

/** Feature frames of a whole 16 kHz clip, fed in 20 ms blocks as a live session would (for training and tests). */
export function extractFeatureFrames(samples: Int16Array, options?: FeatureOptions): FeatureFrame[] {
  const extractor = new FeatureExtractor(options);
  const frames: FeatureFrame[] = [];
  const block = (FEATURE_SAMPLE_RATE * FEATURE_HOP_MS) / 1000;
  for (let at = 0; at < samples.length; at += block) {
    extractor.push(samples.subarray(at, Math.min(samples.length, at + block)), (at * 1000) / FEATURE_SAMPLE_RATE, (frame) => frames.push(frame));
  }
  return frames;
}
