// Whether a stretch of audio holds enough real speech to score. A model fed silence, a tone,
// noise, clipped audio or a 200 ms blip still produces numbers; this check is what lets the
// analytics plugins answer "insufficient speech" instead of guessing.
import type { FeatureFrame } from "./features.ts";

/** Why a stretch of audio is not scored. */
export type InsufficientReason = "silence" | "too_short" | "tone" | "noise" | "clipped";

/** The verdict of `checkSpeech`. */
export interface SpeechCheck {
  /** True when there is enough clean, voiced, varying speech to score. */
  readonly sufficient: boolean;
  /** Why not, when not. */
  readonly reason?: InsufficientReason;
  /** Frames loud enough to be speech, in ms. */
  readonly activeMs: number;
  /** Voiced frames (a pitch was found), in ms. */
  readonly voicedMs: number;
}

/** Thresholds of the check. */
export interface SpeechCheckOptions {
  /** Voiced speech needed, ms (default 500). */
  minVoicedMs?: number;
  /** Frames quieter than this are not speech, dBFS (default -55). */
  minimumLevelDb?: number;
  /** Share of active frames that may be clipped (default 0.2). */
  maxClippedShare?: number;
  /** Below this standard deviation of pitch (semitones) a voiced stretch is a tone, not a voice (default 0.25). */
  minPitchSpreadSemitones?: number;
  /** Below this share of voiced frames among active ones the sound is noise, not speech (default 0.15). */
  minVoicedShare?: number;
}

/** Length of one feature frame, ms. */
const HOP_MS = 20;
const TONE_FRAMES = 25;

/** Judges whether `frames` hold enough speech to score. */
export function checkSpeech(frames: readonly FeatureFrame[], options: SpeechCheckOptions = {}): SpeechCheck {
  const minimumLevel = options.minimumLevelDb ?? -55;
  let active = 0;
  let voiced = 0;
  let clipped = 0;
  let sum = 0;
  let sumSquares = 0;
  for (const frame of frames) {
    if (frame.levelDb < minimumLevel) continue;
    active++;
    if (frame.clipped > 0.01) clipped++;
    if (frame.f0 > 0) {
      voiced++;
      const semitones = 12 * Math.log2(frame.f0 / 100);
      sum += semitones;
      sumSquares += semitones * semitones;
    }
  }
  const activeMs = active * HOP_MS;
  const voicedMs = voiced * HOP_MS;
  const verdict = (reason?: InsufficientReason): SpeechCheck => ({ sufficient: reason === undefined, reason, activeMs, voicedMs });
  if (active === 0) return verdict("silence");
  if (clipped > active * (options.maxClippedShare ?? 0.2)) return verdict("clipped");
  if (voiced < active * (options.minVoicedShare ?? 0.15)) return verdict(activeMs >= (options.minVoicedMs ?? 500) ? "noise" : "too_short");
  const mean = sum / voiced;
  const spread = Math.sqrt(Math.max(0, sumSquares / voiced - mean * mean));
  // Half a second of voicing without a quarter-semitone of movement is a tone: no voice holds pitch that still.
  if (voiced >= TONE_FRAMES && spread < (options.minPitchSpreadSemitones ?? 0.25)) return verdict("tone");
  if (voicedMs < (options.minVoicedMs ?? 500)) return verdict("too_short");
  return verdict();
}

// The plugins reading one shared segment get the same active-frames array, so what is derived
// from it (see prosodicStatistics) is computed once.
const activeCache = new WeakMap<readonly FeatureFrame[], readonly FeatureFrame[]>();

/** Active frames lie within this of the utterance's loudest frame, dB. */
const ACTIVE_RANGE_DB = 35;
/** ... and above this level, dBFS. */
const ACTIVE_FLOOR_DB = -60;

/**
 * The frames of an utterance loud enough to describe it: within 35 dB of its loudest frame and
 * above -60 dBFS, so the pauses and breaths inside a segment do not dilute its statistics.
 * Cached per input array; do not modify the result.
 */
export function activeFrames(frames: readonly FeatureFrame[]): readonly FeatureFrame[] {
  const cached = activeCache.get(frames);
  if (cached) return cached;
  let loudest = -Infinity;
  for (const frame of frames) if (frame.levelDb > loudest) loudest = frame.levelDb;
  const floor = Math.max(loudest - ACTIVE_RANGE_DB, ACTIVE_FLOOR_DB);
  const active = frames.filter((frame) => frame.levelDb > floor);
  activeCache.set(frames, active);
  return active;
}
