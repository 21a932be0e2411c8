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
import { FEATURE_HOP_MS, FEATURE_SAMPLE_RATE, FRAME_HISTORY, FRAME_HOP, FRAME_LENGTH, FrameAnalyser, SPECTRAL_START, SPECTRAL_WINDOW } from "./frame-analyser.ts";
import { SlabFramer } from "./slab-framer.ts";
import { SpeechGate } from "./speech-gate.ts";
import type { SegmenterOptions } from "./speech-segmenter.ts";

export { CEPSTRA, FEATURE_HOP_MS, FEATURE_SAMPLE_RATE, NARROWBAND_HZ } from "./frame-analyser.ts";

/** Everything the analytics models know about one 20 ms hop of audio. */
export interface FeatureFrame {
  /** Frame number in this stream, from 0. */
  readonly index: number;
  /** Media time of the centre of the spectral window, ms. */
  readonly timestamp: number;
  /** Level of the spectral window, dBFS (-100 for digital silence). */
  readonly levelDb: number;
  /** Zero-crossing rate of the spectral window, 0 to 1. */
  readonly zcr: number;
  /** Fraction of samples of the spectral window at full scale. */
  readonly clipped: number;
  /** Peak absolute sample value of the spectral window (for shimmer). */
  readonly amplitude: number;
  /** Fundamental frequency, Hz; 0 when the frame is not voiced. */
  readonly f0: number;
  /** Periodicity of the best pitch candidate, 0 to 1 (0 for frames too quiet to be voiced). */
  readonly clarity: number;
  /** Spectral centroid of the telephone band, Hz. */
  readonly centroid: number;
  /** 85% spectral roll-off within the telephone band, Hz. */
  readonly rolloff: number;
  /** Spectral flatness of the telephone band, on mel bands (0 tonal to 1 white noise). */
  readonly flatness: number;
  /** Spectral flux of the mel band energies from the previous frame. */
  readonly flux: number;
  /** MFCC c0..c19 over 40 mel bands from 20 Hz to 8 kHz. */
  readonly mfcc: Float32Array;
  /** MFCC c0..c15 over the mel bands below 3.4 kHz: the same on a wideband and a telephone call. */
  readonly narrowMfcc: Float32Array;
  /** LFCC c0..c19 over 30 linear bands from 0 to 8 kHz. */
  readonly lfcc: Float32Array;
  /**
   * LFCC c0..c19 over 24 linear bands from 100 Hz to 3.4 kHz: the fine spectral detail a
   * telephone call keeps, where a synthetic voice's traces must be sought on an 8 kHz call.
   */
  readonly narrowLfcc: Float32Array;
  /**
   * LFCC c0..c15 over 20 linear bands from 4 to 8 kHz: the band a wideband call adds to a
   * telephone one, at the resolution where vocoders leave most of their traces.
   */
  readonly highLfcc: Float32Array;
}

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
